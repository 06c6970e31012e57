"""The proposal folder's manifest (what was written from which inputs, with
content hashes)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from avustus_cli.adapters.files import content_sha256
from avustus_cli.adapters.store import Store
from avustus_cli.domain.allocation import Budget, Method
from avustus_cli.domain.config import Settings
from avustus_cli.domain.standing import rules_version, supplement_due

ESITYS_FILE = "esitys.xlsx"
MANIFEST_FILE = "manifest.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def previous_documents(out_dir: Path) -> list[str]:
    path = out_dir / MANIFEST_FILE
    try:
        return list(json.loads(path.read_text(encoding="utf-8")).get("documents", {}))
    except (OSError, ValueError, AttributeError):
        return []


def remove_stale(out_dir: Path, written: Sequence[Path], previous: Sequence[str]) -> None:
    """Files an earlier run wrote that this run did not (e.g. a supplement
    request no longer needed) are removed, so the folder matches the manifest."""
    keep = {p.relative_to(out_dir).as_posix() for p in written}
    for rel in previous:
        if rel in keep or rel.startswith("/") or ".." in rel.split("/"):
            continue
        target = out_dir / rel
        if target.is_file():
            target.unlink()


def write_manifest(store: Store, settings: Settings, out_dir: Path, written: Sequence[Path], budget: Budget,
                   method: Method, as_of: dt.date, pending: Sequence[str] = (),
                   contents: Mapping[Path, bytes] | None = None, hashes: Mapping[Path, str] | None = None) -> Path:
    """The manifest of ``written``; ``contents``: the bytes of files this run has in memory (hashed
    from there, not read back); ``hashes``: the SHA-256 of those bytes where computed already."""
    inputs = []
    seen = set()
    for imp in store.imports():
        key = (imp["kind"], imp["sha256"])
        if key in seen:
            continue
        seen.add(key)
        inputs.append({"kind": imp["kind"], "file": Path(imp["file"]).name, "sha256": imp["sha256"]})
    settings_hash = _sha256(settings.source.read_bytes()) if settings.source and settings.source.exists() else None
    docs = {}
    for rel, p in sorted((p.relative_to(out_dir).as_posix(), p) for p in written):
        held = (contents or {}).get(p)
        raw = held if held is not None else p.read_bytes()
        digest = (hashes or {}).get(p) if held is not None else None
        docs[rel] = {"sha256": digest or _sha256(raw), "content_sha256": content_sha256(p, raw)}
    data = {
        "tool": "avustus propose",
        "year": settings.year,
        "date": as_of.isoformat(),
        "rules_version": rules_version(),
        "method": method.method,
        "budget": {
            "total": str(budget.total),
            "per_form": {k: str(v) for k, v in sorted(budget.per_form.items())},
            "category_caps": {str(k): str(v) for k, v in sorted(budget.category_caps.items())},
        },
        "inputs": inputs,
        "settings": {"file": settings.source.name if settings.source else None, "sha256": settings_hash},
        # applications left out of the documents while pending (käsittely kesken): not to be decided yet
        "pending": list(pending),
        "supplement_due": supplement_due(settings, as_of).isoformat(),
        "hashes": (
            "sha256 on tiedoston tavut; content_sha256 on sisältö: HTML sellaisenaan, .docx ja .xlsx "
            "zip-jäsenten nimet ja sisällöt ilman aikaleimoja. Samat syötteet antavat samat HTML-, DOCX- ja XLSX-tiedostot "
            "(zip-aikaleimat ja tiedoston ominaisuuksien päivämäärät kiinnitetään)."
        ),
        "documents": docs,
    }
    path = out_dir / MANIFEST_FILE
    from avustus_cli.adapters.files import atomic_save

    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    atomic_save(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def esitys_is_edited(out_dir: Path) -> bool:
    """True when DIR/esitys.xlsx differs from what the last run wrote (the
    officer's unsaved-to-database edits would be overwritten)."""
    path = out_dir / ESITYS_FILE
    if not path.exists():
        return False
    try:
        docs = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8")).get("documents", {})
        recorded = docs.get(ESITYS_FILE, {}).get("content_sha256")
    except (OSError, ValueError, AttributeError):
        return True
    return recorded != content_sha256(path)
