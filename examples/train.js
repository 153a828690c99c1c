// A small training example that runs from the installed package:
//   node node_modules/qgemm/examples/train.js
// Learns whether a 2-D point lies inside a circle: an fp32 MLP, then the same
// model trained with int8 layers (Int8Linear), then converted to QuantizedLinear
// for int8 inference. The Fashion-MNIST demo, the ONNX example and the inference
// server live in the repository: https://github.com/qgemm/qgemm/tree/main/examples
'use strict';
const { Adam, Int8Linear, Linear, ReLU, Rng, Sequential, accuracy, trainEpoch } = require('qgemm');

const rng = new Rng(42);
function makeData(rows) {
  const x = new Float32Array(rows * 2);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = rng.uniform(-1, 1), b = rng.uniform(-1, 1);
    x.set([a, b], r * 2);
    y[r] = a * a + b * b < 0.5 ? 1 : 0;
  }
  return { x, y, features: 2 };
}
const train = makeData(4096);
const test = makeData(1024);

function fit(LinearClass, name) {
  const model = new Sequential([new LinearClass(2, 32, rng, `${name}1`), new ReLU(), new LinearClass(32, 2, rng, `${name}2`)]);
  const optimizer = new Adam(model.params(), { lr: 0.01 });
  for (let epoch = 0; epoch < 8; epoch++) trainEpoch(model, train, optimizer, { batchSize: 64, rng });
  const acc = accuracy((x) => model.forward(x, false), test);
  console.log(`${name}: test accuracy ${(100 * acc).toFixed(1)}%`);
  return model;
}

fit(Linear, 'fp32');
const int8 = fit(Int8Linear, 'int8');

// int8 inference: each Int8Linear becomes a QuantizedLinear (int8 weights, packed once).
const [l1, , l2] = int8.layers;
const q1 = l1.toQuantized(true); // fuses the ReLU
const q2 = l2.toQuantized();
const acc = accuracy((x) => q2.forward(q1.forward(x)), test);
console.log(`int8 QuantizedLinear inference: test accuracy ${(100 * acc).toFixed(1)}%`);
q1.dispose();
q2.dispose();
