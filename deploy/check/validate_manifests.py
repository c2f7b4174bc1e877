"""Validate rendered Kubernetes manifests: built-in kinds with kubernetes-validate (strict), custom resources
against their CustomResourceDefinitions' openAPIV3Schema (strict: a field the schema does not name fails).

Usage (with the deploy-check venv's python, which has kubernetes-validate, jsonschema and PyYAML):
  validate_manifests.py --kubernetes 1.30.0 --kubernetes 1.37.0 --crds DIR [--crds DIR ...] rendered.yaml ...
                        [--compose-schema compose-spec.json --compose compose.yaml]
The third-party modules are imported where they are used, so the pure parts load anywhere (unit tests).
Every CRD file found under a --crds directory is read; a custom resource whose group, version and kind no
CRD defines is an error, as is a document of a kind that neither knows. Prints one line per problem,
naming the file, the resource and the field; exits 1 when there is any.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def structural(node: object) -> object:
    """A CRD's openAPIV3Schema as a JSON schema that refuses unknown fields (as `kubectl --validate=strict`):
    objects with `properties` and no `additionalProperties` or `x-kubernetes-preserve-unknown-fields` are closed,
    `x-kubernetes-int-or-string` is an integer or a string."""
    if isinstance(node, list):
        return [structural(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: structural(value) for key, value in node.items() if not key.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if ("properties" in node and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def load_crds(dirs: list[Path]) -> dict[tuple[str, str, str], dict]:
    """(group, version, kind) -> JSON schema, from every CustomResourceDefinition under `dirs`."""
    schemas: dict[tuple[str, str, str], dict] = {}
    for directory in dirs:
        for path in sorted(directory.rglob("*.y*ml")):
            for doc in yaml.safe_load_all(path.read_text()):
                if not doc or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for version in spec["versions"]:
                    if not version.get("served", True):
                        continue
                    schema = version.get("schema", {}).get("openAPIV3Schema")
                    if schema is None:
                        raise SystemExit(f"{path}: {spec['names']['kind']} {version['name']} has no openAPIV3Schema")
                    schemas[(spec["group"], version["name"], spec["names"]["kind"])] = structural(schema)
    return schemas


def where(error) -> str:
    """The dotted path of a jsonschema ValidationError."""
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def check_custom(doc: dict, schema: dict) -> list[str]:
    import jsonschema

    problems = [f"{where(e)}: {e.message}" for e in
                sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))]
    name = doc.get("metadata", {}).get("name", "")
    if not (DNS_SUBDOMAIN.match(name) and len(name) <= 253):
        problems.append(f"metadata.name: {name!r} is not a DNS-1123 subdomain")
    return problems


def check_builtin(doc: dict, versions: list[str]) -> list[str]:
    import kubernetes_validate

    problems = []
    for version in versions:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"Kubernetes {version}: {where(exc)}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            problems.append(f"Kubernetes {version}: {exc}")
    return problems


def check_compose(schema_path: Path, compose_path: Path) -> list[str]:
    """A compose file against the Compose Specification's JSON schema (compose-go's schema/compose-spec.json)."""
    import jsonschema

    schema = yaml.safe_load(schema_path.read_text())
    doc = yaml.safe_load(compose_path.read_text())
    return [f"{compose_path.name}: {where(e)}: {e.message}"
            for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes", action="append", required=True, help="a Kubernetes version to validate for")
    parser.add_argument("--crds", action="append", type=Path, default=[], help="a directory of CRD YAML files")
    parser.add_argument("--compose-schema", type=Path, help="the Compose Specification's JSON schema")
    parser.add_argument("--compose", type=Path, help="a compose file to validate against it")
    parser.add_argument("manifests", nargs="+", type=Path)
    args = parser.parse_args(argv)
    crds = load_crds(args.crds)
    problems: list[str] = []
    if args.compose:
        problems += check_compose(args.compose_schema, args.compose)
        print(f"validated {args.compose.name} against the Compose Specification")
    counted = {"built-in": 0, "custom": 0}
    for path in args.manifests:
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            label = f"{path.name}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            group, _, version = doc.get("apiVersion", "").rpartition("/")
            key = (group, version, doc.get("kind", ""))
            if key in crds:
                counted["custom"] += 1
                found = check_custom(doc, crds[key])
            elif "." in group and not group.endswith(".k8s.io"):
                found = [f"no CRD read defines {doc.get('apiVersion')} {doc.get('kind')}"]
            else:
                counted["built-in"] += 1
                found = check_builtin(doc, args.kubernetes)
            problems += [f"{label}: {p}" for p in found]
    for problem in problems:
        print(problem)
    print(f"validated {counted['built-in']} built-in resources (Kubernetes {', '.join(args.kubernetes)}) and "
          f"{counted['custom']} custom resources against {len(crds)} CRD versions: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
