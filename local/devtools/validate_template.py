"""cfn-lint on the SAM-translated template, which catches what linting the SAM form misses (tooling-notes 5).

Runs offline: samtranslator's bundled managed policies, no credentials.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class _NoPolicies:
    def load(self) -> dict[str, Any]:
        return {}


def translate(template_path: Path = ROOT / "template.yaml") -> dict[str, Any]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse(template_path.read_text())
    # The translator insists on S3 URIs for code; the lint only needs their shape.
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://lint-bucket/{props[key]}.zip"
        if isinstance(props.get("DefinitionUri"), str):
            props["Definition"] = json.loads((ROOT / props.pop("DefinitionUri")).read_text())
    return transform(template, {}, _NoPolicies())  # type: ignore[no-any-return,unused-ignore]


def main() -> int:
    translated = translate()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(translated, handle)
        path = handle.name
    try:
        result = subprocess.run(
            # W1020: the translator inlines parameter defaults into LayerName's Fn::Sub; harmless there.
            [str(Path(sys.executable).parent / "cfn-lint"), "--ignore-checks", "W1020", "--", path],
            check=False,
        )
    finally:
        os.unlink(path)
    if result.returncode == 0:
        print(f"cfn-lint: SAM-translated template is clean ({len(translated['Resources'])} resources)")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
