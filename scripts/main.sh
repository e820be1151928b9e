#!/usr/bin/env bash
# The main job: set up, check the standard, validate every package in datapackages/,
# build the cross-region comparison (HTML + PNG charts) and the reference docs into output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
J=.venv/bin/jiceng
mkdir -p output

$J schema check

status=0
for pkg in datapackages/*/; do
  name=$(basename "$pkg")
  echo "== jiceng validate $name"
  $J validate "$pkg" --format html --output "output/validation-$name.html" >/dev/null || true
  $J validate "$pkg" || status=1
done

.venv/bin/python scripts/build_comparison.py
$J docs -o output/site
timeout 1200 $J registry build registry/catalogue.yaml -o output/registry || echo "registry build failed (output/registry); the main job goes on / 登记册生成失败,主任务继续" >&2
echo "输出 / output: output/comparison.html, output/charts/, output/site/index.html, output/validation-*.html"
exit $status
