#!/usr/bin/env bash
# Runs the repository's pre-commit hook for real, as a user's `pre-commit try-repo` would:
# a manifest with a finding fails the hook, a clean one and a Helm template pass.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v pre-commit >/dev/null 2>&1 || python3 -m pip install --quiet pre-commit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q
git config user.email ci@example.com
git config user.name ci
mkdir -p chart/templates
cp "$repo/fixtures/hardened/node-exporter.yaml" good.yaml
cp "$repo/fixtures/DS009/fires-helm-template.yaml" chart/templates/daemonset.yaml
git add -A && git commit -qm clean
pre-commit try-repo "$repo" daemonlint --all-files >clean.log 2>&1 || {
    cat clean.log
    echo "pre-commit hook failed on clean files"
    exit 1
}
cp "$repo/fixtures/DS004/fires-noscheduler.yaml" bad.yaml
git add -A && git commit -qm bad
if pre-commit try-repo "$repo" daemonlint --all-files >bad.log 2>&1; then
    cat bad.log
    echo "pre-commit hook passed a manifest with errors"
    exit 1
fi
grep -q "DS004(invalid-value)" bad.log || { cat bad.log; echo "finding missing from hook output"; exit 1; }
echo "pre-commit hook check passed"
