#!/usr/bin/env bash
# Copies a small, real sample of ../shared into fixtures/ so the project's own tests and the README
# demo need nothing outside the repo. Every byte comes from a real broker (see ../shared/*/README.md)
# and every expected output from the real Kafka 4.3 DumpLogSegments; nothing here is hand-made.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=../shared
chmod -R u+w fixtures 2>/dev/null || true
rm -rf fixtures && mkdir -p fixtures/kafka-logs fixtures/kraft fixtures/expected-corpus/expected/kafka-4.3 fixtures/expected-kraft/expected/kafka-4.3
parts="plain-0 txn-0 rd-zstd-0 java-snappy-0 v0-lz4-0 v1-gzip-0 compacted-0"
for p in $parts; do cp -r "$SHARED/corpus/kafka-logs/$p" fixtures/kafka-logs/; done
cp "$SHARED"/corpus/kafka-logs/{meta.properties,recovery-point-offset-checkpoint,log-start-offset-checkpoint,replication-offset-checkpoint,cleaner-offset-checkpoint} fixtures/kafka-logs/
mkdir -p fixtures/kraft/gritlab
cp -r "$SHARED/kraft/gritlab/__cluster_metadata-0" "$SHARED/kraft/gritlab/bootstrap.checkpoint" "$SHARED/kraft/gritlab/meta.properties" fixtures/kraft/gritlab/
chmod -R u+w fixtures
# The recorded runs over the copied files (job paths stay relative to the corpus folder).
re=$(echo "$parts" | sed 's/ /|/g')
# Every mode for plain-0 and txn-0; the index and shallow modes for the others (keeps fixtures small).
grep -P "\tkafka-logs/(plain-0|txn-0)/" "$SHARED/corpus/expected/kafka-4.3/jobs.tsv" > fixtures/expected-corpus/expected/kafka-4.3/jobs.tsv
grep -P "\tkafka-logs/($re)/" "$SHARED/corpus/expected/kafka-4.3/jobs.tsv" | grep -vP "\tkafka-logs/(plain-0|txn-0)/" \
  | grep -P "\.(shallow|plain|verify|sanity)\.out\t" >> fixtures/expected-corpus/expected/kafka-4.3/jobs.tsv
cut -f1,2 fixtures/expected-corpus/expected/kafka-4.3/jobs.tsv | tr '\t' '\n' | while read -r f; do
  mkdir -p "fixtures/expected-corpus/$(dirname "$f")"; cp "$SHARED/corpus/$f" "fixtures/expected-corpus/$f"; done
grep -P "\tgritlab/(__cluster_metadata-0/|bootstrap)" "$SHARED/kraft/expected/kafka-4.3/jobs.tsv" \
  | grep -P "\.(shallow|plain|verify|sanity|deep)\.out\t" > fixtures/expected-kraft/expected/kafka-4.3/jobs.tsv
cut -f1,2 fixtures/expected-kraft/expected/kafka-4.3/jobs.tsv | tr '\t' '\n' | while read -r f; do
  mkdir -p "fixtures/expected-kraft/$(dirname "$f")"; cp "$SHARED/kraft/$f" "fixtures/expected-kraft/$f"; done
# The producers' records for the copied partitions.
node -e '
const fs=require("fs"); const keep=new Set(process.argv[1].split(" ").map(p=>p.replace(/-\d+$/,"")));
const out=fs.readFileSync(process.argv[2],"utf8").split("\n").filter(l=>l&&keep.has(JSON.parse(l).topic));
fs.writeFileSync("fixtures/manifest.jsonl", out.join("\n")+"\n");' "$parts" "$SHARED/corpus/manifest.jsonl"
chmod -R u+w fixtures
du -sh fixtures
