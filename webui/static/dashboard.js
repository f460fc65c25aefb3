// The procedure heatmap: the BPMN diagram (bpmn-js NavigatedViewer from /vendor/) with each
// step coloured by its median waiting time and labelled with its counts.
(function () {
  "use strict";
  var holder = document.getElementById("heatmap");
  if (!holder) { return; }
  if (typeof window.BpmnJS !== "function") {
    holder.textContent = "Không tải được trình xem sơ đồ (bpmn-js).";
    return;
  }
  var steps = JSON.parse(holder.getAttribute("data-steps") || "[]");
  var viewer = new window.BpmnJS({ container: holder });
  function hours(value) {
    return value === null || value === undefined ? "–" : value.toFixed(1).replace(".", ",") + " giờ";
  }
  fetch(holder.getAttribute("data-xml-url"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var overlays = viewer.get("overlays");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      steps.forEach(function (s) {
        if (!registry.get(s.step)) { return; }
        canvas.addMarker(s.step, "heat-" + s.heat);
        var badge = document.createElement("div");
        badge.className = "heat-badge";
        badge.setAttribute("data-step", s.step);
        badge.textContent = s.done + " / " + s.open + " · " + hours(s.median_wait_hours) +
          (s.open ? " / " + hours(s.median_open_hours) : "");
        overlays.add(s.step, { position: { top: -18, left: 0 }, html: badge });
      });
      holder.setAttribute("data-ready", "true");
    })
    .catch(function (err) {
      holder.textContent = "Không hiển thị được sơ đồ: " + err.message;
    });
})();
