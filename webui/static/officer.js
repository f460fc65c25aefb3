// Officer pages: "select all" on the task board, and the BPMN diagram of a dossier with the
// current steps highlighted (bpmn-js NavigatedViewer, served from node_modules at /vendor/).
(function () {
  "use strict";

  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (b) {
        b.checked = box.checked;
      });
    });
  });

  var holder = document.getElementById("diagram");
  if (!holder) { return; }
  if (typeof window.BpmnJS !== "function") {
    holder.textContent = "Không tải được trình xem sơ đồ (bpmn-js).";
    holder.setAttribute("data-state", "error");
    return;
  }
  var viewer = new window.BpmnJS({ container: holder });
  var active = JSON.parse(holder.getAttribute("data-active") || "[]");
  var done = JSON.parse(holder.getAttribute("data-done") || "[]");
  fetch(holder.getAttribute("data-xml-url"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      done.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "done-step"); } });
      active.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "active-step"); } });
      holder.setAttribute("data-state", "ready");
    })
    .catch(function (error) {
      holder.textContent = "Không hiển thị được sơ đồ: " + error.message;
      holder.setAttribute("data-state", "error");
    });
})();
