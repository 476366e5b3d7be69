/* Lookalike map explorer: gl.js (the dots, drawn by WebGL2 where the browser has it).
 * Namespace window.Lookalike (`lk`); load order in render/index.py EXPLORER_SCRIPTS; see docs/explorer.md.
 *
 * Exports: lk.gl {ok, from, dots(fr, r)}; draw.js uses it from `from` images on, and only on a
 * hardware GPU: with a software WebGL (SwiftShader, llvmpipe) it was no faster than the 2-D
 * canvas (bench/explorer_bench.py, 2 cores, docs/benchmarks.md). window.LOOKALIKE_WEBGL_FROM,
 * set before the scripts run, forces it from that many images on (tests and the bench).
 * dots() paints every image as an r-sized square in its dot colour (data.js dotRGB) into an
 * offscreen WebGL2 canvas and copies it onto the map's 2-D canvas, where highlights, cards and
 * thumbnails are drawn as before. The positions live in a GPU buffer (sent again only while a
 * facet change animates them), so a frame costs one draw call. Without WebGL2 (or after a lost
 * context) ok is false and draw.js writes the dots as pixels.
 */
(function (lk) {
  "use strict";
  if (!lk) return;
  var D = lk.data, N = D.N, state = lk.state, view = lk.view;
  var forced = typeof window.LOOKALIKE_WEBGL_FROM === "number";
  var FROM = forced ? window.LOOKALIKE_WEBGL_FROM : 20000;
  var api = lk.gl = { ok: false, from: FROM, dots: null };
  var canvas = document.createElement("canvas"), gl = null;
  try {
    gl = canvas.getContext("webgl2", { alpha: false, antialias: false, depth: false,
                                       preserveDrawingBuffer: true, powerPreference: "high-performance" });
  } catch (e) { gl = null; }
  if (!gl || !N || N < FROM) return;
  var info = gl.getExtension("WEBGL_debug_renderer_info");
  var gpu = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
  api.gpu = gpu;
  if (!forced && /swiftshader|llvmpipe|software/i.test(gpu)) return;  // measured slower than the 2-D canvas

  var VERTEX = "#version 300 es\n" +
    "in vec2 a_pos; in vec3 a_col; in float a_on; uniform vec2 u_t; uniform float u_k; uniform vec2 u_size;\n" +
    "uniform float u_pt; uniform float u_pass; uniform vec3 u_bg; out vec3 v_col;\n" +
    "void main() { vec2 p = u_t + u_k * a_pos;\n" +          // CSS px, as view.sx / view.sy
    "  gl_Position = vec4(p.x / u_size.x * 2.0 - 1.0, 1.0 - p.y / u_size.y * 2.0, 0.0, 1.0);\n" +
    // the filter (state.mask, filters.js): pass 0 draws the dots outside it dimmed, pass 1 the others over them
    "  if ((a_on > 0.5) != (u_pass > 0.5)) gl_Position = vec4(2.0, 2.0, 2.0, 1.0);\n" +
    "  gl_PointSize = u_pt; v_col = u_pass > 0.5 ? a_col : mix(u_bg, a_col, 0.22); }\n";
  var FRAGMENT = "#version 300 es\nprecision mediump float; in vec3 v_col; out vec4 o;\n" +
    "void main() { o = vec4(v_col, 1.0); }\n";

  function shader(type, src) {
    var s = gl.createShader(type);
    gl.shaderSource(s, src); gl.compileShader(s);
    return gl.getShaderParameter(s, gl.COMPILE_STATUS) ? s : null;
  }
  var vs = shader(gl.VERTEX_SHADER, VERTEX), fs = shader(gl.FRAGMENT_SHADER, FRAGMENT);
  if (!vs || !fs) return;
  var prog = gl.createProgram();
  gl.attachShader(prog, vs); gl.attachShader(prog, fs); gl.linkProgram(prog);
  if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) return;
  var u = {};
  ["u_t", "u_k", "u_size", "u_pt", "u_pass", "u_bg"].forEach(function (n) { u[n] = gl.getUniformLocation(prog, n); });

  var col = D.dotRGB;  /* each image's dot colour (data.js), as the 2-D dots */
  var vao = gl.createVertexArray();
  gl.bindVertexArray(vao);
  var colBuf = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, colBuf);
  gl.bufferData(gl.ARRAY_BUFFER, col, gl.STATIC_DRAW);
  var aCol = gl.getAttribLocation(prog, "a_col");
  gl.enableVertexAttribArray(aCol);
  gl.vertexAttribPointer(aCol, 3, gl.UNSIGNED_BYTE, true, 0, 0);
  var posBuf = gl.createBuffer(), pos32 = new Float32Array(2 * N);
  var aPos = gl.getAttribLocation(prog, "a_pos");
  gl.bindBuffer(gl.ARRAY_BUFFER, posBuf);
  gl.bufferData(gl.ARRAY_BUFFER, pos32.byteLength, gl.DYNAMIC_DRAW);
  gl.enableVertexAttribArray(aPos);
  gl.vertexAttribPointer(aPos, 2, gl.FLOAT, false, 0, 0);
  var onBuf = gl.createBuffer(), on8 = new Uint8Array(N).fill(1), sentMask = -1;
  var aOn = gl.getAttribLocation(prog, "a_on");
  gl.bindBuffer(gl.ARRAY_BUFFER, onBuf);
  gl.bufferData(gl.ARRAY_BUFFER, on8, gl.DYNAMIC_DRAW);
  gl.enableVertexAttribArray(aOn);
  gl.vertexAttribPointer(aOn, 1, gl.UNSIGNED_BYTE, false, 0, 0);
  var sentFacet = null, wasMoving = false;
  var bg = view.BG_RGB.map(function (v) { return v / 255; });

  canvas.addEventListener("webglcontextlost", function (e) { e.preventDefault(); api.ok = false; view.requestFrame(); });

  /* Paint the dots of frame fr (draw.js's culled frame: w, h, dpr, tx, ty, tk) into ctx. */
  api.dots = function (ctx, fr, r) {
    var w = Math.round(fr.w * fr.dpr), h = Math.round(fr.h * fr.dpr);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    var animating = !!state.anim;
    if (sentFacet !== state.facet || animating || wasMoving) {  // positions changed: send them
      for (var j = 0; j < 2 * N; j++) pos32[j] = state.pos[j];
      gl.bindBuffer(gl.ARRAY_BUFFER, posBuf);
      gl.bufferSubData(gl.ARRAY_BUFFER, 0, pos32);
      sentFacet = state.facet;
    }
    wasMoving = animating;
    if (sentMask !== state.maskVersion) {  // the filter changed: one byte a row
      gl.bindBuffer(gl.ARRAY_BUFFER, onBuf);
      gl.bufferSubData(gl.ARRAY_BUFFER, 0, state.mask || on8);
      sentMask = state.maskVersion;
    }
    gl.viewport(0, 0, w, h);
    gl.clearColor(bg[0], bg[1], bg[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(prog);
    gl.bindVertexArray(vao);
    gl.uniform2f(u.u_t, fr.tx, fr.ty);
    gl.uniform1f(u.u_k, fr.tk);
    gl.uniform2f(u.u_size, fr.w, fr.h);
    gl.uniform1f(u.u_pt, 2 * r * fr.dpr);
    gl.uniform3f(u.u_bg, bg[0], bg[1], bg[2]);
    for (var pass = state.mask ? 0 : 1; pass < 2; pass++) {
      gl.uniform1f(u.u_pass, pass);
      gl.drawArrays(gl.POINTS, 0, N);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(canvas, 0, 0);
    ctx.setTransform(fr.dpr, 0, 0, fr.dpr, 0, 0);
  };
  api.ok = true;
})(window.Lookalike);
