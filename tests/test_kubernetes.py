"""The Kubernetes manifests of every combination render, validate and pass a policy scan.

For each combination: ``kubectl kustomize`` renders the production overlay (with the
Secret's keys filled by placeholder values, as a deployment fills them from outside); the
output validates against the schemas of Kubernetes ``KUBERNETES_VERSION`` (strict: no
unknown field), the objects the deployment needs are there with the settings that make
several replicas safe, and checkov's Kubernetes policies pass, except those the project
skips in ``deploy/kubernetes/.checkov.yaml``, each with its reason there.

checkov cannot share the test environment (it pins its own versions of packages the
generated projects use), so it runs in uv's tool environment at the range below.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import COMBOS, DEFAULT_COMBO, combo_id
from tests.test_matrix import COMBO_PARAMS

KUBERNETES_VERSION = "1.32"
CHECKOV = "checkov>=3.3,<4"
MANIFESTS = Path("deploy/kubernetes")
OVERLAY = Path("overlays/production")
SECRET_KEYS = {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
S3_KEYS = {"AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def _kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is missing: install kubectl 1.32 (or Debian's kubernetes-client)")
    return kubectl


def _kustomize(project: Path, destination: Path) -> list[dict[str, Any]]:
    """Fill secret.env from its example, render the overlay; return its objects.

    This works on a copy: the render is shared with other tests, which must not see the
    secret.env a deployment writes.
    """
    copy = Path(shutil.copytree(project / MANIFESTS, destination.parent / "kubernetes"))
    overlay = copy / OVERLAY
    example = (overlay / "secret.env.example").read_text()
    keys = [line.removesuffix("=") for line in example.splitlines() if line.endswith("=")]
    (overlay / "secret.env").write_text("".join(f"{key}=placeholder\n" for key in keys))
    result = subprocess.run(
        [_kubectl(), "kustomize", str(overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    destination.write_text(result.stdout)
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def _by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [item for item in objects if item["kind"] == kind]


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def _assert_locked_down(workload: dict[str, Any]) -> None:
    """Non-root, read-only root filesystem with /tmp writable, requests and limits."""
    name = workload["metadata"]["name"]
    pod = _pod_spec(workload)
    assert pod["securityContext"]["runAsNonRoot"] is True, name
    assert pod["automountServiceAccountToken"] is False, name
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        where = f"{name}/{container['name']}"
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, where
        assert context["allowPrivilegeEscalation"] is False, where
        assert context["capabilities"]["drop"] == ["ALL"], where
        assert set(container["resources"]["requests"]) == {"cpu", "memory"}, where
        assert set(container["resources"]["limits"]) == {"cpu", "memory"}, where
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], where  # noqa: S108 (the container's)
        sources = [next(iter(source.values()))["name"] for source in container["envFrom"]]
        assert [source.split("-")[-2] for source in sources] == ["config", "secrets"], where


def _assert_objects(objects: list[dict[str, Any]], answers: dict[str, Any]) -> None:
    """Each object the deployment needs is there, configured for several replicas."""
    workloads = {
        item["metadata"]["labels"]["app.kubernetes.io/component"]: item
        for item in objects
        if item["kind"] in {"Deployment", "StatefulSet", "Job"}
    }
    expected = {"web", "migrate"} | ({"worker", "beat"} if answers["use_celery"] else set())
    assert set(workloads) == expected
    for workload in workloads.values():
        _assert_locked_down(workload)

    web = workloads["web"]
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    container = _pod_spec(web)["containers"][0]
    assert container["startupProbe"]["httpGet"]["path"] == "/api/health/live/"
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/health/live/"
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/health/"
    assert container["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    init = _pod_spec(web)["initContainers"][0]
    assert "migrate --check" in init["command"][-1]
    assert workloads["migrate"]["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    (config,) = _by_kind(objects, "ConfigMap")
    host = config["data"]["DJANGO_ALLOWED_HOSTS"].split(",")[0]
    headers = {h["name"]: h["value"] for h in container["readinessProbe"]["httpGet"]["httpHeaders"]}
    assert headers == {"Host": host, "X-Forwarded-Proto": "https"}
    (ingress,) = _by_kind(objects, "Ingress")
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [host]
    (hpa,) = _by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == web["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] >= 2
    budgets = {
        item["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
        for item in _by_kind(objects, "PodDisruptionBudget")
    }
    assert budgets == {"web"} | ({"worker"} if answers["use_celery"] else set())
    (secret,) = _by_kind(objects, "Secret")
    keys = SECRET_KEYS | (S3_KEYS if answers["use_s3"] else set())
    keys |= {"SENTRY_DSN"} if answers["use_sentry"] else set()
    assert set(secret["data"]) == keys
    if answers["use_celery"]:
        beat = workloads["beat"]
        # At most one beat at any time: a StatefulSet of one replica.
        assert (beat["kind"], beat["spec"]["replicas"]) == ("StatefulSet", 1)


def _policy_failures(project: Path, manifests: Path) -> list[str]:
    """Run checkov's Kubernetes policies offline, as configured; return the failed checks.

    ``manifests`` is a file, or a folder of them (checkov's start-up is most of its time).
    """
    uv = Path(sys.executable).with_name("uv")
    config = project / MANIFESTS / ".checkov.yaml"
    result = subprocess.run(
        [
            str(uv),
            "tool",
            "run",
            "--quiet",
            "--from",
            CHECKOV,
            "checkov",
            "--framework",
            "kubernetes",
            "--file" if manifests.is_file() else "--directory",
            str(manifests),
            "--config-file",
            str(config),
            "--skip-download",
            "--output",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-4000:]
    report = json.loads(result.stdout)
    assert report["summary"]["passed"] > 0, report["summary"]
    return [
        f"{check['check_id']} {check['file_path']} {check['resource']}: {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]


# Each combination's test runs beside the matrix's (its xdist group), on the same render.
@pytest.mark.parametrize("answers", COMBO_PARAMS)
def test_manifests_render_and_validate(
    render: Callable[..., Path], answers: dict[str, Any], tmp_path: Path
) -> None:
    objects = _kustomize(render(**answers), tmp_path / "manifests.yaml")

    for item in objects:
        kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)
    _assert_objects(objects, answers)


@pytest.mark.xdist_group("kubernetes-policy")
def test_every_combination_passes_the_policy_scan(
    render: Callable[..., Path], tmp_path: Path
) -> None:
    """One checkov run over the manifests of every combination."""
    scanned = tmp_path / "scanned"
    scanned.mkdir()
    for answers in COMBOS:
        name = combo_id(answers)
        _kustomize(render(**answers), tmp_path / name / "manifests.yaml")
        shutil.copy(tmp_path / name / "manifests.yaml", scanned / f"{name}.yaml")

    failures = _policy_failures(render(**COMBOS[0]), scanned)

    assert not failures, "\n".join(failures)


@pytest.mark.xdist_group("kubernetes-policy")
def test_the_checks_catch_a_broken_manifest(render: Callable[..., Path], tmp_path: Path) -> None:
    """A writable root filesystem fails the scan; a misspelt field fails the schema."""
    project = render(**DEFAULT_COMBO)
    manifests = tmp_path / "manifests.yaml"
    objects = _kustomize(project, manifests)
    (web,) = [
        item
        for item in objects
        if item["metadata"]["name"].endswith("-web") and item["kind"] == "Deployment"
    ]

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        manifests.read_text().replace(
            "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"
        )
    )
    assert any(failure.startswith("CKV_K8S_22 ") for failure in _policy_failures(project, broken))
    web["spec"]["strategy"]["rollingUpdate"]["maxSurgee"] = 1
    with pytest.raises(kubernetes_validate.ValidationError, match="maxSurgee"):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)
