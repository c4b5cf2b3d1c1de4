"""The shipped workloads: each spec file of this package and the data profile it runs on."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from src.bench.errors import UserError

if TYPE_CHECKING:
    from src.bench.data.generate import DatasetSpec
    from src.bench.spec.pipeline_file import PipelineSpec


@dataclass(frozen=True)
class Workload:
    name: str  # also the spec file's name (<name>.yaml) and the name inside it
    profile: str  # the `data generate --profile` whose columns the spec reads
    options: dict[str, Any] = field(default_factory=dict)  # generator options over the profile's

    @property
    def path(self) -> Path:
        return Path(__file__).with_name(f"{self.name}.yaml")

    def spec(self) -> PipelineSpec:
        from src.bench.spec.pipeline_file import load_pipeline

        return load_pipeline(str(self.path))

    def data(self, rows: int, seed: int) -> DatasetSpec:
        """The generated dataset this workload runs on, at this size."""
        from src.bench.data.generate import build_spec

        spec = build_spec(self.profile, rows=rows, seed=seed, **self.options)
        spec.validate()
        return spec

    def data_text(self) -> str:
        options = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in self.options.items())
        return f"--profile {self.profile}" + (f" {options}" if options else "")


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("ctr", "tabular"),
        Workload("reviews", "text"),
        Workload("mixed", "text"),
    )
}


def get_workload(name: str) -> Workload:
    if name in WORKLOADS:
        return WORKLOADS[name]
    close = difflib.get_close_matches(name, list(WORKLOADS), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise UserError(f"unknown workload '{name}'; {hint}available: {', '.join(WORKLOADS)} (see: prepbench workload "
                    "list)")
