"""Runs: upload an export to analyse in the background, follow its stages, list, delete."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from analyzer.errors import NotFoundError
from analyzer.pipeline import STAGES, new_run_id
from analyzer.store import audit
from analyzer.text.redact import redact_file_name
from api.deps import AnalystDep, ApiKeyDep, PageDep, RunId, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES, TOO_LARGE, ConflictError
from api.runner import QueuedRun
from api.schemas import RejectsPublic, RunPublic, RunsPublic, StagePublic, StageState
from api.services import Services
from api.uploads import check_export, parse_mapping, save_upload, scrub
from api.views import aware_time, records, segment_values

router = APIRouter(
    prefix="/v1/runs", tags=["runs"], dependencies=[ApiKeyDep], responses=ERROR_RESPONSES
)


def _stages(status: str, stage: str | None) -> list[StagePublic]:
    """Each stage done, running / failed (the current one) or pending."""
    if status == "done":
        return [StagePublic(name=s, state="done") for s in STAGES]
    current = STAGES.index(stage) if stage in STAGES else -1
    now: StageState = "failed" if status == "failed" else "running"
    out = []
    for i, name in enumerate(STAGES):
        state: StageState = "done" if i < current else now if i == current else "pending"
        out.append(StagePublic(name=name, state=state))
    return out


def run_public(meta: dict[str, Any]) -> RunPublic:
    """A runs row of the store (see ``Store.run_meta``) as the public schema."""
    info = meta.get("info") or {}
    return RunPublic(
        run_id=meta["run_id"],
        status=meta["status"],
        stage=meta["stage"],
        source=redact_file_name(str(meta["source"])),  # runs made with the CLI too
        created_at=aware_time(meta["created_at"]),
        error=scrub(meta["error"]) if meta["error"] else None,
        stages=_stages(meta["status"], meta["stage"]),
        n_responses=info.get("n_responses"),
        n_mentions=info.get("n_mentions"),
        n_rejects=info.get("n_rejects"),
        segments=info.get("segments", []),
        metrics=info.get("metrics", []),
    )


def _queued_public(run: QueuedRun) -> RunPublic:
    return RunPublic(
        run_id=run.run_id,
        status="queued",
        stage="queued",
        source=run.source,
        stages=_stages("queued", None),
    )


def _run(services: Services, run_id: str) -> RunPublic:
    try:
        return run_public(services.run_meta(run_id))
    except NotFoundError:
        queued = services.runs.queued(run_id)
        if queued is None:
            raise
        return _queued_public(queued)


@router.post("", status_code=202, responses={**TOO_LARGE})
async def create_run(
    services: ServicesDep,
    principal: AnalystDep,
    response: Response,
    file: Annotated[UploadFile, File(description="CSV, TSV, XLSX, Parquet or JSON Lines.")],
    mapping: Annotated[
        str | None,
        Form(description='Column mapping as JSON, e.g. `{"text": "Comment", "nps": "NPS"}`.'),
    ] = None,
) -> RunPublic:
    """Upload a survey export and analyse it in the background.

    The first rows are read at once, so an unreadable file or a wrong mapping gets 422
    straight away; the rest runs in the background, one run at a time. Follow it with
    ``GET /v1/runs/{run_id}``.
    """
    column_mapping = parse_mapping(mapping)
    root = services.settings.uploads_root
    path = await run_in_threadpool(save_upload, file.file, file.filename, root)
    await run_in_threadpool(check_export, path, column_mapping, services.config.limits)
    run_id = new_run_id()
    await run_in_threadpool(services.runs.submit, run_id, path, column_mapping)  # durable
    audit.record(services.store, principal.name, "run.create", run_id)
    response.headers["Location"] = f"/v1/runs/{run_id}"
    return _run(services, run_id)


@router.get("")
def list_runs(services: ServicesDep, paging: PageDep) -> RunsPublic:
    """Every run, newest first: queued and running ones with their stage, failed ones with
    the reason."""
    stored = services.list_runs()
    queued = [r for r in reversed(services.runs.queued_runs()) if r.run_id not in set(stored)]
    ids: list[QueuedRun | str] = [*queued, *stored]
    data = [
        _queued_public(item) if isinstance(item, QueuedRun) else _run(services, item)
        for item in paging.slice(ids)
    ]
    return RunsPublic(data=data, count=len(ids))


@router.get("/{run_id}")
def get_run(services: ServicesDep, run_id: RunId) -> RunPublic:
    """A run's status, with the state of each stage; ``error`` says why a run failed.

    A finished run also lists the values of each segment column (for filters).
    """
    run = _run(services, run_id)
    if run.status == "done":
        run.segment_values = services.run_view(run_id, "segment_values", (), segment_values)
    return run


@router.delete("/{run_id}", status_code=204, responses={**CONFLICT})
def delete_run(services: ServicesDep, principal: AnalystDep, run_id: RunId) -> Response:
    """Delete a run, its tables and its saved theme model (analyst or admin).

    The model folder goes with the run unless another run or scored export uses it.
    """
    if services.runs.queued(run_id) is not None:
        raise ConflictError(f"Run {run_id!r} is still in progress; delete it once it ends.")
    meta = services.run_meta(run_id)
    services.store.delete_run(run_id)
    audit.record(services.store, principal.name, "run.delete", run_id)
    services.forget(run_id)
    folder = _own_model_dir(services, meta)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    return Response(status_code=204)


def _own_model_dir(services: Services, meta: dict[str, Any]) -> Path | None:
    """The deleted run's theme model folder if it may go with it: a model folder (its
    ``model.json`` quotes mentions) under the models root or the store's folder (where
    ``cxa analyze --out DIR`` saves ``DIR/model``), that no other run or scored export uses."""
    from analyzer.themes.persist import MODEL_JSON

    saved = str(meta["info"].get("model_dir") or "")
    folder = Path(saved).resolve() if saved else None
    if folder is None or not (folder / MODEL_JSON).is_file():
        return None
    roots = {services.settings.models_root.resolve(), services.store.path.parent.resolve()}
    if not any(folder.is_relative_to(r) and folder != r for r in roots):
        return None
    store = services.store
    used = [str(store.run_meta(r)["info"].get("model_dir") or "") for r in services.list_runs()]
    used += store.list_scored()["model"].astype(str).tolist()
    if any(u and Path(u).resolve() == folder for u in used):
        return None  # another run's (the same --out folder analysed again) or a scoring's
    return folder


@router.get("/{run_id}/rejects", responses={**CONFLICT})
def list_rejects(services: ServicesDep, run_id: RunId, paging: PageDep) -> RejectsPublic:
    """Values of the export that could not be used: row, column, value and why."""
    rejects = services.finished_run(run_id).rejects
    rows = records(rejects[["row", "column", "value", "reason"]])
    return RejectsPublic.model_validate({"data": paging.slice(rows), "count": len(rows)})
