"""Remote inputs (s3://, hdfs://) for the engines that read through pyarrow.

S3 settings come from the usual AWS variables; AWS_ENDPOINT_URL points at an S3-compatible server (MinIO,
moto). HDFS needs a Hadoop client (libhdfs + JAVA_HOME) on this machine; without one the error says so.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from src.bench.errors import UserError


def arrow_filesystem(uri: str):
    """(pyarrow filesystem, path inside it) for a remote URI, with a clear error when it cannot be reached."""
    import pyarrow.fs as pafs

    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in ("s3", "s3a"):
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        options = {"region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
        if endpoint:
            ep = urlparse(endpoint)
            options.update(endpoint_override=ep.netloc or ep.path, scheme=ep.scheme or "http")
        return pafs.S3FileSystem(**options), f"{parsed.netloc}{parsed.path}"
    if scheme == "hdfs":
        try:
            fs = pafs.HadoopFileSystem(parsed.hostname or "default", parsed.port or 8020)
        except OSError as exc:
            raise UserError(
                f"cannot open {uri}: no HDFS client here ({str(exc).splitlines()[0]}); install a Hadoop client "
                "(libhdfs.so, JAVA_HOME, CLASSPATH) or copy the file to local or S3 storage"
            ) from None
        return fs, parsed.path
    raise UserError(f"unsupported input scheme '{scheme}://' in {uri}; use a local path, s3:// or hdfs://")


def remote_schema(uri: str, fmt: str) -> dict[str, str]:
    """Column kinds of a remote CSV or Parquet file, read from its head."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from src.bench.data.inputs import csv_options, schema_kinds

    filesystem, path = arrow_filesystem(uri)
    try:
        info = filesystem.get_file_info(path)
        if info.type == pa.fs.FileType.NotFound:
            raise UserError(f"input not found: {uri}; check the bucket and key")
        if fmt == "parquet":
            schema = pq.ParquetDataset(path, filesystem=filesystem).schema
        else:
            with filesystem.open_input_stream(path) as stream:
                schema = pcsv.open_csv(stream, **csv_options(block_size=1 << 20)).schema
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(f"cannot read {uri}: {str(exc).splitlines()[0]}") from None
    return schema_kinds(schema, uri)
