#!/usr/bin/env bash
# Record every user-visible output of the library into DIR, so that a refactor can be checked
# byte for byte: `benchmarks/snapshot_outputs.sh /tmp/before` on the old tree, the same on the new
# one into /tmp/after, then `diff -r /tmp/before /tmp/after`. The site's date and revision are
# pinned (SOURCE_DATE_EPOCH, TAMAFLOW_REVISION is not read: the revision line is masked instead).
set -euo pipefail
out=${1:?usage: snapshot_outputs.sh DIR}
cd "$(dirname "$0")/.."
tf=${TAMAFLOW:-.venv/bin/tamaflow}
rm -rf "$out"; mkdir -p "$out/compare" "$out/diagrams"
export SOURCE_DATE_EPOCH=1700000000 COLUMNS=140
$tf validate processes/ --format json > "$out/validate.json" || true
$tf summary processes/ > "$out/summary.txt"
$tf score processes/ --format json > "$out/score.json"
$tf score processes/ --format csv > "$out/score.csv"
$tf score processes/ > "$out/score.txt"
for d in processes/*/; do
  p=$(basename "$d")
  for f in json csv markdown table; do
    $tf compare "$d" --format $f > "$out/compare/$p.$f"
  done
done
$tf render processes/ --to bpmn --to dot --to svg -o "$out/diagrams" --force --prune > /dev/null
$tf render processes/tennyu/kunitachi.yaml --overlay rpa --to svg --to dot -o "$out/overlay-rpa" --force > /dev/null
$tf render processes/tennyu/kunitachi.yaml --overlay diff --against processes/tennyu/chofu.yaml --to svg --to dot -o "$out/overlay-diff" --force > /dev/null
$tf publish processes/ -o "$out/site" --force > /dev/null
# the site names the git revision it was built from: mask it so two commits can be compared
grep -rl --include='*.html' -E '[0-9a-f]{12}' "$out/site" | xargs -r sed -i -E 's/\b[0-9a-f]{12}\b/REVISION/g'
echo "snapshot in $out: $(find "$out" -type f | wc -l) files"
