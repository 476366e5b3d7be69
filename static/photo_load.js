/* Lookalike photo query: photo_load.js, what static/photo_query.js loads when a visitor first
 * gives a photo, from the site's query/ folder (render/photo_query.py writes it):
 *
 *   LookalikePhotoLoad(base, onProgress(done, total)) -> Promise of {meta, session, head, parts}
 *
 * meta: index.json; session: an onnxruntime-web InferenceSession of model.onnx on the
 * single-thread WebAssembly backend (numThreads 1: no cross-origin isolation needed, so GitHub
 * Pages serves it as it is; the .wasm is fetched here, with progress, and handed to the runtime);
 * head: the index's float32 mean, scales and axes; parts: its int8 codes (render/query_index.py).
 */
(function () {
  "use strict";

  function fetchBytes(url, done, total, onProgress) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      if (!r.body || !r.body.getReader) return r.arrayBuffer();
      var reader = r.body.getReader(), chunks = [], got = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) {
            var out = new Uint8Array(got), at = 0;
            chunks.forEach(function (c) { out.set(c, at); at += c.length; });
            return out.buffer;
          }
          chunks.push(step.value); got += step.value.length;
          onProgress(done + got, total);
          return pump();
        });
      }
      return pump();
    });
  }
  function script(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src; s.onload = resolve; s.onerror = function () { reject(new Error(src + " did not load")); };
      document.head.appendChild(s);
    });
  }
  function load(base, onProgress) {
    var meta, session, done = 0, total = 1;
    return fetch(base + "index.json").then(function (r) {
      if (!r.ok) throw new Error("index.json: HTTP " + r.status);
      return r.json();
    }).then(function (m) {
      meta = m; total = m.bytes.total;
      return script(base + "ort.wasm.min.js");
    }).then(function () {
      return fetchBytes(base + "ort-wasm-simd-threaded.wasm", done, total, onProgress);
    }).then(function (wasm) {
      done += meta.bytes.wasm;
      var ort = window.ort;
      ort.env.wasm.numThreads = 1; ort.env.wasm.proxy = false;
      ort.env.wasm.wasmPaths = base; ort.env.wasm.wasmBinary = wasm;
      return fetchBytes(base + meta.model, done, total, onProgress);
    }).then(function (model) {
      done += meta.bytes.model;
      return window.ort.InferenceSession.create(new Uint8Array(model), { executionProviders: ["wasm"] });
    }).then(function (s) {
      session = s;
      return fetchBytes(base + meta.head, done, total, onProgress);
    }).then(function (head) {
      done += meta.bytes.head;
      var parts = [], at = Promise.resolve();
      meta.parts.forEach(function (p, k) {
        at = at.then(function () { return fetchBytes(base + p, done, total, onProgress); })
          .then(function (b) { parts[k] = new Int8Array(b); done += b.byteLength; });
      });
      return at.then(function () { return { meta: meta, session: session, head: new Float32Array(head), parts: parts }; });
    });
  }

  window.LookalikePhotoLoad = load;
})();
