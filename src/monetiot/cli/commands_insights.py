"""`monetiot insights evaluate nab|cmapss`: the insights measured on public benchmarks.

`nab` runs the live anomaly detector over every `timestamp,value` CSV in a directory and scores
it with NAB's standard profile; `cmapss` trains the RUL model from scratch on C-MAPSS training
units and scores it at each test unit's last cycle. Output keys are contracts (issue 15).
Bad input prints one line naming the file and row and exits 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

from monetiot.cli import app
from monetiot.cli.context import JsonOption, print_json, print_table

insights = typer.Typer(help="Insights: anomaly detection and remaining useful life.",
                       no_args_is_help=True)
evaluate = typer.Typer(help="Measure an insight on a public benchmark.", no_args_is_help=True)
insights.add_typer(evaluate, name="evaluate")
app.add_typer(insights, name="insights")


@evaluate.command("nab")
def evaluate_nab(
    data: Path = typer.Option(..., "--data", help="Directory of timestamp,value CSV files."),
    windows: Path = typer.Option(..., "--windows",
                                 help="NAB windows JSON (keys like realKnownCause/NAME.csv)."),
    as_json: bool = JsonOption,
) -> None:
    """Run the anomaly detector on each series as live and score it (NAB standard profile)."""
    from monetiot.insights.nab_evaluation import evaluate_directory, report

    doc = report(evaluate_directory(data, windows))
    if as_json:
        print_json(doc)
        return
    rows = [*doc["files"], {"file": "total", "score": doc["total"]}]  # type: ignore[misc]
    print_table("NAB standard profile", rows, ["file", "score", "tp", "fp", "fn"])


@evaluate.command("cmapss")
def evaluate_cmapss(
    train: Path = typer.Option(..., "--train", help="train_FD00x.txt (run-to-failure units)."),
    test: Path = typer.Option(..., "--test", help="test_FD00x.txt (units cut off early)."),
    rul: Path = typer.Option(..., "--rul", help="RUL_FD00x.txt (true RUL of each test unit)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the model."),
    as_json: bool = JsonOption,
) -> None:
    """Train the RUL model from scratch and score it at each test unit's last cycle."""
    from monetiot.insights.rul_evaluation import evaluate_cmapss as run

    doc = run(train, test, rul, seed=seed)
    if as_json:
        print_json(doc)
        return
    print_table("C-MAPSS (last-cycle protocol)", [doc], list(doc))
