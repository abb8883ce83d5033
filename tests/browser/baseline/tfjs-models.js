// The TensorFlow.js baseline for the benchmarks (tests/browser/bench.mjs), not part of the
// playground: the same models as src/models/ (same layer sizes, activations, losses and
// optimizers), written with TF.js ops so that one training step at batch 128, and the live
// analysis of one drawing, can be timed on TF.js's wasm and WebGPU backends in the same browser
// as latent-lab's own. Inputs are random pixels: the time does not depend on the values.
/* global tf */

const BATCH = 128;

/// A weight matrix with Glorot-uniform values and a zero bias, as trainable variables.
function dense(inputs, outputs) {
  return { w: tf.variable(tf.initializers.glorotUniform({}).apply([inputs, outputs])), b: tf.variable(tf.zeros([outputs])) };
}
const apply = (layer, x) => tf.add(tf.matMul(x, layer.w), layer.b);
const params = (...layers) => layers.flatMap((l) => Object.values(l));
/// The L2 term that Adam's weight decay adds to the gradient (PyTorch's `weight_decay`).
/// (Pairwise adds: an addN of 16 tensors exceeds the 8 storage buffers a WebGPU adapter may allow.)
const decay = (vars, rate) => tf.mul(rate / 2, vars.map((v) => tf.sum(tf.square(v))).reduce((a, b) => tf.add(a, b)));

/// The tutorial's AE: 784-128-64-12-3, ReLU, mirrored decoder with tanh; MSE; Adam 1e-3, wd 1e-5.
function autoencoder() {
  const sizes = [784, 128, 64, 12, 3, 12, 64, 128, 784];
  const layers = sizes.slice(1).map((n, i) => dense(sizes[i], n));
  const vars = params(...layers);
  const optimizer = tf.train.adam(1e-3);
  const forward = (x) => layers.reduce((h, layer, i) => {
    const y = apply(layer, h);
    if (i === layers.length - 1) return tf.tanh(y);
    return i === 3 ? y : tf.relu(y); // the 3-D code has no activation
  }, x);
  return (pixels) => optimizer.minimize(() => {
    const x = tf.sub(tf.mul(pixels, 2), 1);
    return tf.add(tf.losses.meanSquaredError(x, forward(x)), decay(vars, 1e-5));
  }, true, vars);
}

/// The tutorial's VAE: 784-400 then mu/logvar heads, decoder latent-400-784 with sigmoid; summed
/// BCE + KL; Adam 1e-3. `latent` 20 (the tutorial) or 2 (the playground's latent grid).
function vae(latent) {
  const fc1 = dense(784, 400), fc21 = dense(400, latent), fc22 = dense(400, latent);
  const fc3 = dense(latent, 400), fc4 = dense(400, 784);
  const vars = params(fc1, fc21, fc22, fc3, fc4);
  const optimizer = tf.train.adam(1e-3);
  return (pixels) => optimizer.minimize(() => {
    const h = tf.relu(apply(fc1, pixels));
    const mu = apply(fc21, h), logvar = apply(fc22, h);
    const z = tf.add(mu, tf.mul(tf.randomNormal(mu.shape), tf.exp(tf.mul(logvar, 0.5))));
    const logits = apply(fc4, tf.relu(apply(fc3, z)));
    // BCE on logits, summed: max(l, 0) - l*x + log(1 + exp(-|l|)).
    const bce = tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, pixels)), tf.softplus(tf.neg(tf.abs(logits)))));
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
    return tf.div(tf.add(bce, kl), BATCH);
  }, true, vars);
}

const normal = (shape) => tf.variable(tf.randomNormal(shape, 0, 0.02));
const leaky = (x) => tf.leakyRelu(x, 0.2);
function batchNorm(x, norm) {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, norm.beta, norm.gamma, 1e-5);
}
const norm = (channels) => ({ gamma: tf.variable(tf.ones([channels])), beta: tf.variable(tf.zeros([channels])) });

/// The playground's conditional DCGAN (src/models/gan.rs): G [z64; onehot10] -> 64x7x7 -> convT
/// 32x14x14 -> convT 1x28x28 (BN, ReLU, tanh); D conv 32-64 (leaky ReLU) with a realness head,
/// label projection and an auxiliary class head. One discriminator and one generator step, Adam
/// 2e-4 (0.5, 0.999), non-saturating loss with label smoothing 0.9.
function gan() {
  const project = dense(74, 64 * 7 * 7), norm0 = norm(64), norm1 = norm(32);
  const up1 = { w: normal([4, 4, 32, 64]) }, up2 = { w: normal([4, 4, 1, 32]) };
  const down1 = { w: normal([4, 4, 1, 32]), b: tf.variable(tf.zeros([32])) };
  const down2 = { w: normal([4, 4, 32, 64]), b: tf.variable(tf.zeros([64])) };
  const score = dense(3136, 1), classes = dense(3136, 10), embedding = { e: normal([10, 3136]) };
  const gVars = params(project, norm0, norm1, up1, up2);
  const dVars = params(down1, down2, score, classes, embedding);
  const gOpt = tf.train.adam(2e-4, 0.5, 0.999), dOpt = tf.train.adam(2e-4, 0.5, 0.999);

  const generate = (noise, labels) => {
    const n = noise.shape[0];
    let x = tf.reshape(apply(project, tf.concat([noise, tf.oneHot(labels, 10).toFloat()], 1)), [n, 7, 7, 64]);
    x = tf.relu(batchNorm(x, norm0));
    x = tf.relu(batchNorm(tf.conv2dTranspose(x, up1.w, [n, 14, 14, 32], 2, 'same'), norm1));
    return tf.tanh(tf.conv2dTranspose(x, up2.w, [n, 28, 28, 1], 2, 'same'));
  };
  const judge = (images, labels) => {
    const n = images.shape[0];
    const x = leaky(tf.add(tf.conv2d(images, down1.w, 2, 'same'), down1.b));
    const h = tf.reshape(leaky(tf.add(tf.conv2d(x, down2.w, 2, 'same'), down2.b)), [n, 3136]);
    // The label embedding as one-hot x table: TF.js's wasm backend lacks the gradient of gather.
    const projection = tf.sum(tf.mul(tf.matMul(tf.oneHot(labels, 10).toFloat(), embedding.e), h), 1);
    return { realness: tf.add(tf.reshape(apply(score, h), [n]), projection), classLogits: apply(classes, h) };
  };
  const classLoss = (logits, labels) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 10), logits);
  const noiseAndLabels = () => [tf.randomNormal([BATCH, 64]), tf.randomUniform([BATCH], 0, 10, 'int32')];

  return (pixels, realLabels) => {
    const real = tf.reshape(tf.sub(tf.mul(pixels, 2), 1), [BATCH, 28, 28, 1]);
    const dLoss = dOpt.minimize(() => {
      const [noise, labels] = noiseAndLabels();
      const fake = generate(noise, labels); // only dVars get gradients
      const realJudgement = judge(real, realLabels);
      const fakeLogits = judge(fake, labels).realness;
      const realLoss = tf.add(tf.mul(tf.softplus(tf.neg(realJudgement.realness)), 0.9), tf.mul(tf.softplus(realJudgement.realness), 0.1));
      return tf.add(tf.mean(tf.add(realLoss, tf.softplus(fakeLogits))), classLoss(realJudgement.classLogits, realLabels));
    }, true, dVars);
    const gLoss = gOpt.minimize(() => {
      const [noise, labels] = noiseAndLabels();
      const judgement = judge(generate(noise, labels), labels);
      return tf.add(tf.mean(tf.softplus(tf.neg(judgement.realness))), classLoss(judgement.classLogits, labels));
    }, true, gVars);
    return tf.stack([dLoss, gLoss]);
  };
}

const MODELS = { ae: autoencoder, vae: () => vae(20), vae2d: () => vae(2), gan };

/// Dense layers joining consecutive widths; `forward` runs them with ReLU between and `last`
/// after the final one.
const chain = (widths) => widths.slice(1).map((n, i) => dense(widths[i], n));
const forward = (layers, x, last = (y) => y) =>
  layers.reduce((h, layer, i) => (i === layers.length - 1 ? last(apply(layer, h)) : tf.relu(apply(layer, h))), x);

/// The playground's classifier (src/models/classifier.rs) on `[n, 784]` pixels in [0, 1]: class
/// probabilities `[n, 10]`.
function classifier() {
  const conv1 = { w: normal([5, 5, 1, 16]), b: tf.variable(tf.zeros([16])) };
  const conv2 = { w: normal([5, 5, 16, 32]), b: tf.variable(tf.zeros([32])) };
  const fc = chain([32 * 7 * 7, 128, 10]);
  const block = (x, conv) => tf.maxPool(tf.relu(tf.add(tf.conv2d(x, conv.w, 1, 'same'), conv.b)), 2, 2, 'valid');
  return (pixels) => {
    const n = pixels.shape[0];
    const x = tf.reshape(tf.div(tf.sub(pixels, 0.1307), 0.3081), [n, 28, 28, 1]);
    return tf.softmax(forward(fc, tf.reshape(block(block(x, conv1), conv2), [n, 32 * 7 * 7])));
  };
}

/// What the playground computes for every drawn frame (src/infer.rs, `analyse_drawing`): the AE's
/// code and reconstruction, the VAE's mean and reconstruction from it, the 2-D VAE's mean and,
/// `withClassifier`, the classifier on the drawing and both reconstructions in one batch; all
/// outputs laid end to end for one read-back.
function liveAnalysis(withClassifier) {
  const aeEncoder = chain([784, 128, 64, 12, 3]), aeDecoder = chain([3, 12, 64, 128, 784]);
  const vaeOf = (latent) => ({ fc1: dense(784, 400), mu: dense(400, latent), logvar: dense(400, latent), decoder: chain([latent, 400, 784]) });
  const vae20 = vaeOf(20), vae2 = vaeOf(2);
  const encode = (v, x) => {
    const h = tf.relu(apply(v.fc1, x));
    apply(v.logvar, h); // latent-lab's encoder computes both heads
    return apply(v.mu, h);
  };
  const classify = withClassifier ? classifier() : null;
  return (pixels) => {
    const aeCode = forward(aeEncoder, tf.sub(tf.mul(pixels, 2), 1));
    const aeReconstruction = tf.div(tf.add(forward(aeDecoder, aeCode, tf.tanh), 1), 2);
    const vaeMean = encode(vae20, pixels);
    const vaeReconstruction = forward(vae20.decoder, vaeMean, tf.sigmoid);
    const outputs = [aeReconstruction, aeCode, vaeReconstruction, vaeMean, encode(vae2, pixels)];
    if (classify) outputs.push(classify(tf.concat([pixels, aeReconstruction, vaeReconstruction], 0)));
    return tf.concat(outputs.map((t) => tf.reshape(t, [-1])), 0);
  };
}

async function useBackend(backend) {
  if (backend === 'wasm') tf.wasm.setWasmPaths(new URL('tfjs-wasm/', location.href).href);
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} is not available here`);
  await tf.ready();
}

/// Sets the backend and returns one live analysis of a drawing (`liveAnalysis`) that reads its
/// outputs back, after `warmup` untimed ones.
async function liveAnalysisReady(backend, withClassifier, warmup) {
  await useBackend(backend);
  const analyse = liveAnalysis(withClassifier);
  const pixels = tf.randomUniform([1, 784]);
  const once = async () => {
    const out = tf.tidy(() => analyse(pixels));
    await out.data();
    out.dispose();
  };
  for (let i = 0; i < warmup; i++) await once();
  return once;
}

/// Times the live analysis back to back: `rounds` rounds of `perRound` analyses. Returns the
/// median over rounds of ms per analysis (a round's mean: one analysis is shorter than the
/// page's timer resolution).
window.benchTfjsLive = async (backend, withClassifier, warmup, rounds, perRound) => {
  const once = await liveAnalysisReady(backend, withClassifier, warmup);
  const perAnalysis = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    for (let i = 0; i < perRound; i++) await once();
    perAnalysis.push((performance.now() - started) / perRound);
  }
  perAnalysis.sort((a, b) => a - b);
  return { ms_median: perAnalysis[Math.floor(rounds / 2)], backend: tf.getBackend(), version: tf.version.tfjs };
};

/// Times `count` single analyses, each after `gapMs` of idle, as latent-lab's are timed in the
/// page (one per drawing): the weights are no longer in the CPU's caches by then, which a
/// back-to-back loop hides. Returns the median ms of one analysis.
window.benchTfjsLiveSpaced = async (backend, withClassifier, warmup, count, gapMs) => {
  const once = await liveAnalysisReady(backend, withClassifier, warmup);
  const times = [];
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { ms_median: times[Math.floor(count / 2)], gap_ms: gapMs };
};

/// Sets the backend ('wasm' or 'webgpu') and times `steps` training steps of `model` at batch 128
/// after `warmup` untimed ones; each step reads its loss back, as latent-lab's step does.
window.benchTfjs = async (backend, model, warmup, steps) => {
  await useBackend(backend);
  const step = MODELS[model]();
  const pixels = tf.randomUniform([BATCH, 784]);
  const labels = tf.randomUniform([BATCH], 0, 10, 'int32');
  const once = async () => {
    const loss = tf.tidy(() => step(pixels, labels));
    await loss.data();
    loss.dispose();
  };
  for (let i = 0; i < warmup; i++) await once();
  const started = performance.now();
  for (let i = 0; i < steps; i++) await once();
  const ms = (performance.now() - started) / steps;
  const details = { backend: tf.getBackend(), version: tf.version.tfjs };
  if (backend === 'wasm') {
    details.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    details.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return { ms_per_step: ms, ...details };
};
