"""The privacy engine's standalone commands: `monetiot anonymize` and `monetiot privacy-cost`.

Both work on files and numbers only (no database). Their JSON output keys are a contract with
tools outside the repository: `anonymize --json` prints transformation, discernibility, classes,
min_class_size and suppressed_rows; `privacy-cost --json` prints epsilon, delta and (Gaussian
only) rho, as the privacy ledger counts the release. Bad input prints one line on stderr naming
the option, file, row or field, and exits 2 with nothing on stdout and no file written.
numpy and OpenDP are imported when a command runs, never when the CLI starts.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from monetiot.cli import app
from monetiot.domain.errors import MonetiotError
from monetiot.domain.money import to_decimal

_OPTION = {"qi": "--qi", "k": "--k", "sensitive": "--sensitive", "l_distinct": "--l-distinct",
           "l_entropy": "--l-entropy", "t": "--t", "t_distance": "--t-distance",
           "suppression": "--suppression", "hierarchies": "--hierarchies", "out": "--out",
           "mechanism": "--mechanism", "sensitivity": "--sensitivity", "scale": "--scale",
           "delta": "--delta"}


def _as_option(exc: MonetiotError) -> MonetiotError:
    """The error naming the command-line option rather than the library's field."""
    if exc.field in _OPTION:
        return type(exc)(exc.message, field=_OPTION[exc.field])
    return exc


@app.command("anonymize")
def anonymize_command(
    data: Path = typer.Argument(..., metavar="DATA.csv", help="ARX-style table: ';', header."),
    hierarchies: Path = typer.Option(..., "--hierarchies",
                                     help="Directory of *hierarchy_<attribute>.csv files."),
    qi: str = typer.Option(..., "--qi", help="Quasi-identifiers, comma-separated: a,b,c."),
    k: int = typer.Option(..., "--k", help="k-anonymity: the smallest class kept."),
    sensitive: str | None = typer.Option(None, "--sensitive", help="The sensitive attribute."),
    l_distinct: int | None = typer.Option(None, "--l-distinct", help="Distinct l-diversity."),
    l_entropy: str | None = typer.Option(None, "--l-entropy", help="Entropy l-diversity."),
    t: str | None = typer.Option(None, "--t", help="t-closeness (EMD to the whole table)."),
    t_distance: str = typer.Option("auto", "--t-distance",
                                   help="EMD: auto (ordered if numeric), equal or ordered."),
    suppression: str = typer.Option("0", "--suppression",
                                    help="Fraction of records that may be suppressed."),
    out: Path | None = typer.Option(None, "--out", help="Write the anonymised table here."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Find the optimal full-domain generalisation (exact, discernibility) and report it."""
    from monetiot.domain.privacy import PrivacyPolicy
    from monetiot.privacy.anonymizer import anonymize
    from monetiot.privacy.reader import read_hierarchies, read_table, write_table

    try:
        policy = PrivacyPolicy(
            qis=tuple(name.strip() for name in qi.split(",") if name.strip()),
            k=k, sensitive=sensitive, l_distinct=l_distinct,
            l_entropy=None if l_entropy is None else to_decimal(l_entropy, "l_entropy"),
            t=None if t is None else to_decimal(t, "t"), t_distance=t_distance,
            suppression=to_decimal(suppression, "suppression"))
        table = read_table(data)
        result = anonymize(table, read_hierarchies(hierarchies, policy.qis), policy)
        if out is not None:
            write_table(out, result.header, result.rows)
    except MonetiotError as exc:
        raise _as_option(exc) from None
    summary = result.summary()
    if as_json:
        typer.echo(json.dumps(summary))
        return
    levels = ", ".join(f"{name} {level}" for name, level in summary["transformation"].items())
    achieved = result.achieved()
    lines = [f"transformation:  {levels}",
             f"discernibility:  {summary['discernibility']:,}",
             f"classes:         {summary['classes']:,} (smallest {summary['min_class_size']:,})",
             f"suppressed rows: {summary['suppressed_rows']:,} of {len(table):,}"]
    if achieved["l_distinct"] is not None:
        lines.append(f"achieved:        distinct-l {achieved['l_distinct']}, entropy-l "
                     f"{achieved['l_entropy']:.4g}, t {achieved['t']} "
                     f"({achieved['t_distance']} distance)")
    lines.append(f"searched:        {result.evaluated_nodes:,} nodes evaluated, "
                 f"{result.pruned_nodes:,} never evaluated ({result.strategy}, exact)")
    if out is not None:
        lines.append(f"written:         {out} ({len(result.rows):,} records)")
    typer.echo("\n".join(lines))


@app.command("privacy-cost")
def privacy_cost_command(
    mechanism: str = typer.Option(..., "--mechanism", help="laplace or gaussian."),
    sensitivity: str = typer.Option(..., "--sensitivity", help="L1 (Laplace) or L2 (Gaussian)."),
    scale: str = typer.Option(..., "--scale", help="The noise scale (b or sigma)."),
    delta: str | None = typer.Option(None, "--delta", help="Gaussian: delta of the conversion."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """The (epsilon, delta) one release costs, as OpenDP accounts it and the ledger charges it."""
    from monetiot.privacy.differential import mechanism_cost

    try:
        cost = mechanism_cost(
            mechanism, to_decimal(sensitivity, "sensitivity"), to_decimal(scale, "scale"),
            None if delta is None else to_decimal(delta, "delta"))
    except MonetiotError as exc:
        raise _as_option(exc) from None
    document: dict[str, float] = {"epsilon": float(cost.epsilon), "delta": float(cost.delta)}
    if cost.rho is not None:
        document["rho"] = float(cost.rho)
    if as_json:
        typer.echo(json.dumps(document))
        return
    text = f"epsilon {cost.epsilon}, delta {cost.delta}"
    if cost.rho is not None:
        text += f" (zCDP rho {cost.rho}, converted by OpenDP at delta {cost.delta})"
    typer.echo(f"{mechanism} noise of scale {scale} on sensitivity {sensitivity}: {text}")
