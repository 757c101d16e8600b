"""Portal pages of build runs: a build's tiers, phases, issues, errors and artifacts, and an
artifact's bytes streamed under the session's tenant (images shown, text as plain text, the rest
downloaded)."""

from __future__ import annotations

import posixpath

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from builds.artifacts import artifact_storage, run_folder
from builds.errors import BuildRunNotFound
from builds.models import Artifact
from builds.portal_reads import artifact_kind, build_page_read, portal_artifact_get
from tenancy.portal import portal_page

# An artifact is whatever an executor stored: it never runs as a page of the portal's origin.
ARTIFACT_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
PK_MAX = 2**63 - 1  # a larger number names no row (and no database could compare it)


@require_GET
@portal_page("runs:read")
def build_page(request, run_id: str):
    caller = request.portal
    try:
        page = build_page_read(
            tenant=caller.tenant,
            run_id=run_id,
            categories=caller.categories,
            with_artifacts=caller.can("artifacts:read"),
        )
    except BuildRunNotFound:
        raise Http404("No build run matches the given query.") from None
    context = {
        "nav": "runs",
        "page": page,
        "build": page.build,
        "run": page.build.run,
        "can_read_artifacts": caller.can("artifacts:read"),
    }
    return render(request, "portal/build.html", context)


@require_GET
@portal_page("artifacts:read")
def build_artifact(request, pk: int):
    caller = request.portal
    if pk > PK_MAX:
        raise Http404("No artifact matches the given query.")
    try:
        artifact = portal_artifact_get(tenant=caller.tenant, pk=pk, categories=caller.categories)
    except Artifact.DoesNotExist:
        raise Http404("No artifact matches the given query.") from None
    try:
        handle = artifact_storage().open(f"{run_folder(artifact.run)}/{artifact.path}", "rb")
    except (FileNotFoundError, OSError):
        raise Http404("The artifact's file is missing.") from None
    kind = artifact_kind(artifact.media_type)
    content_type = "text/plain; charset=utf-8" if kind == "text" else artifact.media_type
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=kind == "file",
        filename=posixpath.basename(artifact.path) or "artifact",
    )
    response["Content-Security-Policy"] = ARTIFACT_CSP
    response["Cache-Control"] = "private, no-cache"
    return response
