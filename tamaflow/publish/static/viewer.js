/* tamaflow diagram viewer: the bundled bpmn-js NavigatedViewer (drag to pan, Ctrl+wheel to zoom)
   over the BPMN XML that <name>.bpmn.js put into window.TAMAFLOW_DIAGRAMS. The bpmn.io watermark
   stays visible, as bpmn-js's licence requires. */
(function () {
  "use strict";
  var diagrams = window.TAMAFLOW_DIAGRAMS || {};

  function message(el, text, cls) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    el.parentNode.insertBefore(p, el.nextSibling);
  }

  function setUp(el) {
    var xml = diagrams[el.getAttribute("data-diagram")];
    if (typeof xml !== "string" || typeof window.BpmnJS !== "function") {
      message(el, "図のデータを読み込めませんでした。", "unavailable");
      console.error("tamaflow: diagram data or viewer missing for " + el.id);
      return;
    }
    var viewer = new window.BpmnJS({ container: el });
    viewer.importXML(xml).then(function (result) {
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport", "auto");
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
        } else {
          canvas.zoom(canvas.zoom() * (what === "in" ? 1.25 : 0.8));
        }
      });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".bpmn-viewer[data-diagram]"), setUp);
}());
