// Runs an ONNX model with ONNX Runtime (CPU) on BERT inputs and prints the
// first output as JSON: the peer that fp8sdk's FP32 results are compared with.
//
// usage: node ort_run.js MODEL.onnx INPUTS.json OUTPUT.json
// INPUTS.json: {"batches": [{"batch": B, "sequence": S, "input_ids": [...],
//               "token_type_ids": [...], "attention_mask": [...]}, ...]}
//              (row-major int64 values as numbers)
// OUTPUT.json: {"outputs": [[...flattened first output of batch 0...], ...],
//               "output_name": "logits", "seconds": t}
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [modelPath, inputsPath, outputPath] = process.argv.slice(2);
  if (!outputPath) {
    console.error('usage: node ort_run.js MODEL.onnx INPUTS.json OUTPUT.json');
    process.exit(2);
  }
  const modules = process.env.FP8SDK_NODE_MODULES || path.join(__dirname, 'node_modules');
  const ort = require(path.join(modules, 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 2,
    graphOptimizationLevel: 'all',
  });
  const inputs = JSON.parse(fs.readFileSync(inputsPath, 'utf8'));
  const names = session.inputNames;
  const outputs = [];
  const start = process.hrtime.bigint();
  for (const b of inputs.batches) {
    const feeds = {};
    for (const name of names) {
      if (!(name in b)) throw new Error(`inputs lack '${name}'`);
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from(b[name].map(BigInt)), [b.batch, b.sequence]);
    }
    const result = await session.run(feeds);
    outputs.push(Array.from(result[session.outputNames[0]].data));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fs.writeFileSync(outputPath, JSON.stringify({outputs, output_name: session.outputNames[0], seconds}));
}

main().catch((e) => {
  console.error(`ort_run: ${e.message}`);
  process.exit(1);
});
