/* tamaflow diagram viewer: the bundled bpmn-js NavigatedViewer (drag to pan, Ctrl+wheel to zoom)
   over the BPMN XML that <name>.bpmn.js put into window.TAMAFLOW_DIAGRAMS. The bpmn.io watermark
   stays visible, as bpmn-js's licence requires.

   - Legible at first view: the diagram is fitted to the width, but never below MIN_ZOOM (labels
     stay >= MIN_LABEL_PX on screen); a tall diagram gets a taller canvas, up to most of the screen.
   - Long labels are cut to LABEL_LIMIT characters with an ellipsis before import (a 10,000-
     character name must not cover the drawing); the full text is the shape's tooltip.
   - Marks: the container's data-marks (JSON: step id -> {m: [kinds], t: tooltip}) becomes
     bpmn-js markers (outline colours) and badges (overlays) for deviations from the standard
     and for seal, paper and in-person steps. Every text goes in as textContent, never HTML. */
(function () {
  "use strict";
  var diagrams = window.TAMAFLOW_DIAGRAMS || {};
  var LABEL_PX = 11;          /* the smallest label font bpmn-js draws (external labels; tasks: 12) */
  var MIN_LABEL_PX = 10;
  var MIN_ZOOM = MIN_LABEL_PX / LABEL_PX;
  var MAX_ZOOM = 1.0;
  var PAD = 20;
  var LABEL_LIMIT = 40;
  var BADGE = { deviation: "違い", seal: "印", paper: "紙", "in-person": "対面" };

  function message(el, text, cls) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    el.parentNode.insertBefore(p, el.nextSibling);
  }

  /* cut at `limit` characters, never inside a surrogate pair or right after a joiner */
  function cut(text) {
    var chars = Array.from(text);
    if (chars.length <= LABEL_LIMIT) { return text; }
    var n = LABEL_LIMIT;
    while (n > 0 && (chars[n - 1] === "\u200d" || /^[\u0300-\u036f\u200d\ufe0e\ufe0f]$/.test(chars[n]))) { n -= 1; }
    return chars.slice(0, n).join("").replace(/\s+$/, "") + "\u2026";
  }

  /* the XML with long names cut; `full` collects id -> whole name */
  /* tamaflow's extension namespace, matched without its scheme (assets name no network address) */
  var TF_NS_TAIL = "//tamaflow.example/schema/bpmn";

  /* the whole name tamaflow stored beside a clipped one (tf:step or tf:lane), else "" */
  function wholeName(node) {
    var ext = node.firstElementChild;
    for (; ext; ext = ext.nextElementSibling) {
      if (ext.localName !== "extensionElements") { continue; }
      var tf = ext.firstElementChild;
      for (; tf; tf = tf.nextElementSibling) {
        var ns = tf.namespaceURI || "";
        if (ns.slice(-TF_NS_TAIL.length) === TF_NS_TAIL && (tf.localName === "step" || tf.localName === "lane") && tf.getAttribute("name")) {
          return tf.getAttribute("name");
        }
      }
    }
    return "";
  }

  function shorten(xml, full) {
    if (typeof window.DOMParser !== "function") { return xml; }
    var doc = new window.DOMParser().parseFromString(xml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) { return xml; }
    var changed = false;
    Array.prototype.forEach.call(doc.getElementsByTagName("*"), function (node) {
      var name = node.getAttribute("name");
      /* tamaflow's BPMN clips a long name itself and keeps the whole one on tf:step / tf:lane */
      var whole = name && wholeName(node);
      if (whole && whole !== name) {
        full[node.getAttribute("id") || ""] = whole;
      }
      if (name && Array.from(name).length > LABEL_LIMIT) {
        full[node.getAttribute("id") || ""] = whole || name;
        node.setAttribute("name", cut(name));
        changed = true;
      }
    });
    return changed ? new window.XMLSerializer().serializeToString(doc) : xml;
  }

  /* fit to the width, at least MIN_ZOOM; a canvas as tall as the drawing needs (within limits) */
  function legible(el, viewer) {
    var canvas = viewer.get("canvas");
    canvas.resized();
    var inner = canvas.viewbox().inner;
    var width = el.clientWidth;
    var zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, width / (inner.width + 2 * PAD)));
    var need = Math.ceil((inner.height + 2 * PAD) * zoom);
    var most = Math.max(352, Math.floor(window.innerHeight * 0.85));
    el.style.height = Math.max(352, Math.min(need, most)) + "px";
    canvas.resized();
    canvas.viewbox({ x: inner.x - PAD, y: inner.y - PAD, width: el.clientWidth / zoom, height: el.clientHeight / zoom });
  }

  function tooltip(gfx, text) {
    var t = document.createElementNS(gfx.namespaceURI, "title");
    t.textContent = text;
    gfx.insertBefore(t, gfx.firstChild);
  }

  function mark(el, viewer, full) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    Object.keys(full).forEach(function (id) {
      var gfx = registry.getGraphics(id);
      if (gfx) { tooltip(gfx, full[id]); }
    });
    var marks = {};
    try {
      marks = JSON.parse(el.getAttribute("data-marks") || "{}");
    } catch (e) {
      console.error("tamaflow: bad data-marks on " + el.id, e);
      return;
    }
    Object.keys(marks).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var kinds = marks[id].m || [];
      var box = document.createElement("div");
      box.className = "tf-badges";
      kinds.forEach(function (kind) {
        canvas.addMarker(id, "tf-" + kind);
        var b = document.createElement("span");
        b.className = "tf-badge tf-badge-" + kind;
        b.textContent = BADGE[kind] || kind;
        box.appendChild(b);
      });
      if (marks[id].t) { box.title = marks[id].t; }
      if (kinds.length) { overlays.add(id, "tf-marks", { position: { top: -11, left: 0 }, html: box }); }
    });
  }

  function setUp(el) {
    var xml = diagrams[el.getAttribute("data-diagram")];
    if (typeof xml !== "string" || typeof window.BpmnJS !== "function") {
      message(el, "図のデータを読み込めませんでした。", "unavailable");
      console.error("tamaflow: diagram data or viewer missing for " + el.id);
      return;
    }
    var viewer = new window.BpmnJS({ container: el });
    var full = {};
    viewer.importXML(shorten(xml, full)).then(function (result) {
      legible(el, viewer);
      mark(el, viewer, full);
      if (result.warnings && result.warnings.length) {
        message(el, "図の読み込みで " + result.warnings.length + " 件の警告がありました。", "small");
        console.warn("tamaflow: bpmn-js import warnings", result.warnings);
      }
      el.setAttribute("data-rendered", "true");
    }).catch(function (err) {
      message(el, "図を表示できませんでした: " + err.message, "unavailable");
      console.error("tamaflow: bpmn-js import failed", err);
    });
    viewer.on("element.click", function (ev) {
      var bo = ev.element && ev.element.businessObject;
      var id = bo && bo.id;
      if (id && document.getElementById("step-" + id)) {
        window.location.hash = "step-" + id;
      }
    });
    var tools = document.querySelector('.diagram-tools[data-for="' + el.id + '"]');
    if (tools) {
      tools.addEventListener("click", function (ev) {
        var what = ev.target && ev.target.getAttribute("data-zoom");
        if (!what) { return; }
        var canvas = viewer.get("canvas");
        if (what === "fit") {
          canvas.zoom("fit-viewport", "auto");
        } else if (what === "reset") {
          legible(el, viewer);
        } else {
          canvas.zoom(canvas.zoom() * (what === "in" ? 1.25 : 0.8));
        }
      });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".bpmn-viewer[data-diagram]"), setUp);
}());
