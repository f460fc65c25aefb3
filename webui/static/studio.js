/* The designer studio's modeler page: bpmn-js Modeler, a side panel for the product's BPMN
   extensions (lt:*, the service task's adapter operation and parameters, timers, conditions),
   lint findings drawn on the diagram, the sandbox test-run and the deploy form.
   Every edit goes through bpmn-js's `modeling` service, so it is undoable and in the XML. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("studio-config").textContent);
  var SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  var OPERATOR = "spiffworkflow:serviceTaskOperator";
  var ROLES = { "": "(chưa chọn)", one_stop_officer: "Bộ phận Một cửa", specialist: "Chuyên viên",
    head_of_unit: "Trưởng phòng", leader: "Lãnh đạo", citizen: "Công dân", system: "Hệ thống" };
  var ACTIONS = { supplement: "Yêu cầu bổ sung", refuse: "Từ chối", forward: "Chuyển tiếp" };
  var TOUCHPOINTS = { "": "(không)", submit: "Nộp", collect: "Nhận kết quả", visit: "Đến trực tiếp",
    pay: "Nộp phí" };
  /* WD/WH: working days/hours by the engine's calendar (lt:workingDays/lt:workingHours on the
     event); the timeDuration written beside them is the calendar equivalent other tools show. */
  var UNITS = { H: "giờ", D: "ngày", W: "tuần", WD: "ngày làm việc", WH: "giờ làm việc" };
  var WORKING = { WD: "lt:workingDays", WH: "lt:workingHours" };

  var modeler = new window.BpmnJS({ container: "#canvas", keyboard: { bindTo: document },
    additionalModules: [window.StudioInsertModule], moddleExtensions: { lt: window.LT_MODDLE } });
  window.studioModeler = modeler;
  var canvas = modeler.get("canvas");
  var overlays = modeler.get("overlays");
  var modeling = modeler.get("modeling");
  var registry = modeler.get("elementRegistry");
  var selection = modeler.get("selection");
  var moddle = modeler.get("moddle");
  var state = { draft: config.draft, forms: {}, steps: [], current: null };
  Object.keys(config.forms || {}).forEach(function (id) { state.forms[id] = config.forms[id].raw; });
  window.studioState = state;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function status(message, kind) {
    var box = $("studio-status");
    box.className = "flash " + (kind || "info");
    box.textContent = message;
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf },
      body: JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return { error: "Lỗi máy chủ (" + r.status + ")" }; })
        .then(function (json) { return { ok: r.ok, body: json }; });
    });
  }
  window.studioPost = post;

  // -- loading -------------------------------------------------------------------------------
  fetch($("canvas").dataset.source, { credentials: "same-origin" })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function (result) {
      fit();
      var warnings = (result && result.warnings) || [];
      if (warnings.length) {
        status("Đã mở mô hình; " + warnings.length + " phần tử không hiển thị được: " +
          warnings.slice(0, 3).map(function (w) { return w.message; }).join("; "), "warning");
      }
      if (state.draft) { showFindings(state.draft.findings); loadDiff(); }
      document.body.dataset.studioReady = "1";
    })
    .catch(function (err) {
      status("Không mở được mô hình: " + err.message, "error");
      document.body.dataset.studioReady = "error";
    });

  /* Fit the diagram beside the palette, so no element hides under it. */
  function fit() {
    canvas.zoom("fit-viewport");
    var palette = document.querySelector("#canvas .djs-palette");
    var box = canvas.viewbox();
    var pad = ((palette ? palette.offsetWidth : 0) + 20) / box.scale;
    canvas.viewbox({ x: box.x - pad, y: box.y - 10 / box.scale, width: box.width + pad,
      height: box.height + 20 / box.scale });
  }

  // -- lint findings on the diagram -------------------------------------------------------------
  function showFindings(findings) {
    overlays.remove({ type: "lint" });
    registry.getAll().forEach(function (e) {
      canvas.removeMarker(e.id, "lint-error");
      canvas.removeMarker(e.id, "lint-warning");
    });
    var list = $("findings");
    list.innerHTML = "";
    var errors = 0;
    (findings || []).forEach(function (f) {
      if (f.severity === "error") { errors += 1; }
      var text = (f.message_vi ? f.message_vi + " — " : "") + f.message;
      var li = el("li", { "class": "finding-" + f.severity, "data-element": f.element_id || "" });
      li.appendChild(el("strong", {}, f.severity === "error" ? "Lỗi" : "Cảnh báo"));
      li.appendChild(document.createTextNode(" " + (f.element_id || "mô hình") + " (" + f.code +
        "): " + text));
      list.appendChild(li);
      var shape = f.element_id && registry.get(f.element_id);
      if (shape) {
        canvas.addMarker(f.element_id, "lint-" + f.severity);
        var badge = el("div", { "class": "lint-badge lint-badge-" + f.severity,
          "data-element": f.element_id, title: text }, f.severity === "error" ? "!" : "?");
        overlays.add(f.element_id, "lint", { position: { top: -10, right: 10 }, html: badge });
        li.addEventListener("click", function () {
          selection.select(shape);
          canvas.scrollToElement(shape);
        });
      }
    });
    var total = (findings || []).length;
    $("findings-summary").textContent = total ? (errors + " lỗi, " + (total - errors) +
      " cảnh báo." + (errors ? " Mô hình có lỗi được lưu làm bản nháp nhưng chưa triển khai được." : ""))
      : "Không có lỗi hay cảnh báo.";
    $("findings-box").dataset.errors = String(errors);
  }

  // -- saving ---------------------------------------------------------------------------------
  function save() {
    return modeler.saveXML({ format: true }).then(function (out) {
      var open = state.draft && state.draft.state === "draft"; // a deployed draft starts a new one
      return post(config.saveUrl, { xml: out.xml, forms: state.forms,
        draft_id: open ? state.draft.id : null });
    }).then(function (res) {
      if (!res.ok) { status("Chưa lưu: " + res.body.error, "error"); return res; }
      var first = !state.draft || state.draft.id !== res.body.id;
      state.draft = res.body;
      state.dirty = false;
      showFindings(res.body.findings);
      updateDeploy();
      status("Đã lưu bản nháp #" + res.body.id + ": " + res.body.errors + " lỗi, " +
        res.body.warnings + " cảnh báo.", res.body.errors ? "warning" : "success");
      if (first) { state.leaving = true; window.location.href = res.body.url; } else { loadDiff(); }
      return res;
    });
  }
  if ($("save")) { $("save").addEventListener("click", function () { save(); }); }

  /* Deploy sends the saved draft: with unsaved edits the button waits for a save. */
  function updateDeploy() {
    var button = $("deploy-button");
    if (!button || !state.draft) { return; }
    button.disabled = !state.draft.deployable || state.dirty;
    $("deploy-help").textContent = state.dirty ? "Có thay đổi chưa lưu: lưu bản nháp trước khi triển khai."
      : (state.draft.deployable ? "" : "Bản nháp còn lỗi: sửa hết lỗi rồi lưu lại.");
  }
  modeler.on("commandStack.changed", function () { state.dirty = true; updateDeploy(); });
  window.addEventListener("beforeunload", function (e) {
    if (state.dirty && !state.leaving) { e.preventDefault(); e.returnValue = ""; }
  });
  if ($("deploy-form")) {
    $("deploy-form").addEventListener("submit", function () { state.leaving = true; });
  }

  // -- diff against the running version -------------------------------------------------------
  function loadDiff() {
    if (!config.diffUrl || !$("diff-lines")) { return; }
    fetch(config.diffUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (changes) {
        var list = $("diff-lines");
        list.innerHTML = "";
        registry.getAll().forEach(function (e) {
          canvas.removeMarker(e.id, "diff-added");
          canvas.removeMarker(e.id, "diff-changed");
        });
        if (!changes.length) { list.appendChild(el("li", {}, "Không khác bản đang chạy.")); }
        changes.forEach(function (c) {
          list.appendChild(el("li", { "class": "diff-" + c.change, "data-element": c.element_id },
            c.text));
          if (c.change !== "removed" && registry.get(c.element_id)) {
            canvas.addMarker(c.element_id, "diff-" + c.change);
          }
        });
      });
  }

  // -- inserting a step (studio_insert.js makes room for it) ---------------------------------
  function insertUserTask() {
    var shape = modeler.get("studioInsert").insertStep(selection.get()[0]);
    if (!shape) {
      status("Hãy chọn một đường nối hoặc một phần tử có đường đi ra trước khi chèn bước.", "warning");
      return;
    }
    selection.select(shape);
    canvas.scrollToElement(shape);
    status("Đã chèn bước " + shape.id + "; đặt tên, vai trò và biểu mẫu ở khung Thuộc tính.", "info");
  }
  if ($("insert-user-task")) { $("insert-user-task").addEventListener("click", insertUserTask); }

  // -- the properties panel -------------------------------------------------------------------
  function row(label, input, help) {
    var wrap = el("div", { "class": "field" });
    var id = "p-" + label.replace(/[^a-zA-Z0-9]+/g, "-") + "-" + Math.random().toString(36).slice(2, 7);
    input.id = input.id || id;
    wrap.appendChild(el("label", { "for": input.id }, label));
    wrap.appendChild(input);
    if (help) { wrap.appendChild(el("p", { "class": "help" }, help)); }
    return wrap;
  }
  function textInput(value, onChange, attrs) {
    var input = el("input", attrs || {});
    input.value = value || "";
    input.addEventListener("change", function () { onChange(input.value.trim()); });
    return input;
  }
  function select(options, value, onChange) {
    var input = el("select");
    Object.keys(options).forEach(function (k) {
      var o = el("option", { value: k }, options[k]);
      if (k === (value || "")) { o.selected = true; }
      input.appendChild(o);
    });
    input.addEventListener("change", function () { onChange(input.value); });
    return input;
  }
  function setAttr(element, name, value) {
    var props = {};
    props[name] = value === "" ? undefined : value;
    modeling.updateProperties(element, props);
  }

  function renderProps(element) {
    var body = $("props-body");
    body.innerHTML = "";
    state.current = element;
    $("props-empty").hidden = !!element;
    if (!element || element.type === "label") { return; }
    var bo = element.businessObject;
    body.dataset.element = element.id;
    body.appendChild(el("p", { "class": "muted" }, bo.$type.replace("bpmn:", "")));
    body.appendChild(row("Mã phần tử", textInput(bo.id, function (v) {
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v) || registry.get(v)) {
        status("Mã '" + v + "' không hợp lệ hoặc đã dùng.", "error"); return;
      }
      modeling.updateProperties(element, { id: v });
    }, { name: "id" })));
    if (element.type !== "bpmn:SequenceFlow" || bo.name) {
      body.appendChild(row("Tên", textInput(bo.name, function (v) {
        modeling.updateProperties(element, { name: v });
      }, { name: "name" })));
    }
    if (element.type === "bpmn:Lane") { laneProps(body, element, bo); }
    if (element.type === "bpmn:UserTask") { userTaskProps(body, element, bo); }
    if (element.type === "bpmn:ServiceTask") { serviceTaskProps(body, element, bo); }
    var timer = (bo.eventDefinitions || []).filter(function (d) {
      return d.$type === "bpmn:TimerEventDefinition";
    })[0];
    if (timer) { timerProps(body, element, timer); }
    if (element.type === "bpmn:SequenceFlow" && bo.sourceRef && /Gateway$/.test(bo.sourceRef.$type)) {
      conditionProps(body, element, bo);
    }
    if (element.type !== "bpmn:UserTask" && window.StudioForms) { window.StudioForms.close(); }
  }

  function laneProps(body, element, bo) {
    body.appendChild(row("Vai trò (lt:role)", select(ROLES, bo.get("lt:role"), function (v) {
      setAttr(element, "lt:role", v);
    })));
    var agency = textInput(bo.get("lt:agency"), function (v) { setAttr(element, "lt:agency", v); },
      { list: "agency-kinds", name: "lt-agency" });
    body.appendChild(row("Cơ quan (lt:agency)", agency,
      "receiving: cơ quan tiếp nhận; competent: cơ quan có thẩm quyền; hoặc mã cơ quan/đối tác"));
    var list = el("datalist", { id: "agency-kinds" });
    ["receiving", "competent"].forEach(function (v) { list.appendChild(el("option", { value: v })); });
    body.appendChild(list);
  }

  function userTaskProps(body, element, bo) {
    var form = textInput(bo.get("lt:form"), function (v) {
      setAttr(element, "lt:form", v);
      if (window.StudioForms && v) { window.StudioForms.open(v, element); }
    }, { name: "lt-form", pattern: "[a-z0-9][a-z0-9_]*" });
    body.appendChild(row("Biểu mẫu (lt:form)", form, "Mã biểu mẫu: chữ thường không dấu, số, _"));
    var edit = el("button", { type: "button", "class": "button small", id: "edit-form" }, "Sửa biểu mẫu");
    edit.addEventListener("click", function () {
      var id = bo.get("lt:form");
      if (!id) { status("Nhập mã biểu mẫu trước.", "warning"); return; }
      window.StudioForms.open(id, element);
    });
    body.appendChild(edit);
    body.appendChild(row("Phần thời hạn (lt:deadlineShare, 0–1)", textInput(
      bo.get("lt:deadlineShare"), function (v) {
        var n = Number(v);
        if (v !== "" && (isNaN(n) || n < 0 || n > 1)) { status("Phần thời hạn phải từ 0 đến 1.", "error"); return; }
        setAttr(element, "lt:deadlineShare", v);
      }, { name: "lt-deadline-share", inputmode: "decimal" })));
    var chosen = (bo.get("lt:actions") || "").split(/\s+/).filter(Boolean);
    var box = el("fieldset", { "class": "choices" });
    box.appendChild(el("legend", {}, "Thao tác ngoài “Hoàn thành” (lt:actions)"));
    Object.keys(ACTIONS).forEach(function (a) {
      var label = el("label");
      var check = el("input", { type: "checkbox", value: a, name: "lt-actions" });
      check.checked = chosen.indexOf(a) >= 0;
      check.addEventListener("change", function () {
        var now = Array.prototype.filter.call(box.querySelectorAll("input"), function (c) {
          return c.checked;
        }).map(function (c) { return c.value; });
        setAttr(element, "lt:actions", now.join(" "));
      });
      label.appendChild(check);
      label.appendChild(document.createTextNode(" " + ACTIONS[a]));
      box.appendChild(label);
    });
    body.appendChild(box);
    body.appendChild(row("Điểm tiếp xúc công dân (lt:touchpoint)", select(TOUCHPOINTS,
      bo.get("lt:touchpoint"), function (v) { setAttr(element, "lt:touchpoint", v); })));
    if (bo.get("lt:form") && window.StudioForms) { window.StudioForms.open(bo.get("lt:form"), element); }
  }

  function operatorOf(bo) {
    var values = (bo.extensionElements && bo.extensionElements.values) || [];
    return values.filter(function (v) { return v.$type === OPERATOR; })[0];
  }
  function paramsOf(op) {
    var holder = op && (op.$children || []).filter(function (c) {
      return c.$type === "spiffworkflow:parameters";
    })[0];
    return ((holder && holder.$children) || []).map(function (p) {
      return { id: p.id, type: p.type || "str", value: p.value || "" };
    });
  }
  function writeOperator(element, operation, resultVariable, params) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    var others = ((ext && ext.values) || []).filter(function (v) { return v.$type !== OPERATOR; });
    if (operation) {
      var op = moddle.createAny(OPERATOR, SPIFF, { id: operation,
        resultVariable: resultVariable || operation.replace(".", "_") });
      var holder = moddle.createAny("spiffworkflow:parameters", SPIFF, {});
      holder.$children = params.filter(function (p) { return p.id; }).map(function (p) {
        return moddle.createAny("spiffworkflow:parameter", SPIFF,
          { id: p.id, type: p.type || "str", value: p.value });
      });
      op.$children = [holder];
      others.push(op);
    }
    if (ext) {
      modeling.updateModdleProperties(element, ext, { values: others });
    } else {
      modeling.updateProperties(element, {
        extensionElements: moddle.create("bpmn:ExtensionElements", { values: others }) });
    }
  }

  function serviceTaskProps(body, element, bo) {
    var op = operatorOf(bo);
    var params = paramsOf(op);
    var options = { "": "(chưa chọn)" };
    (config.operations || []).forEach(function (o) {
      options[o.operation] = o.operation + " — " + o.summary + (o.kind === "write" ? " (ghi)" : "");
    });
    if (op && !options[op.id]) { options[op.id] = op.id + " (chưa đăng ký)"; }
    var result = textInput(op ? op.resultVariable : "", function (v) {
      writeOperator(element, current(), v, params);
    }, { name: "result-variable" });
    var pick = select(options, op ? op.id : "", function (v) {
      writeOperator(element, v, result.value.trim(), params);
    });
    pick.name = "operation";
    function current() { return pick.value; }
    body.appendChild(row("Dịch vụ liên thông (thao tác của bộ kết nối)", pick));
    body.appendChild(row("Lưu kết quả vào biến", result));
    var table = el("div", { "class": "params" });
    table.appendChild(el("p", {}, "Ánh xạ dữ liệu: tham số ← biểu thức (ví dụ form[\"cccd\"])"));
    function draw() {
      table.querySelectorAll(".param").forEach(function (n) { n.remove(); });
      params.forEach(function (p, i) {
        var line = el("div", { "class": "param" });
        var id = textInput(p.id, function (v) { p.id = v; writeOperator(element, current(), result.value.trim(), params); },
          { "aria-label": "Tham số", placeholder: "tham số" });
        var value = textInput(p.value, function (v) { p.value = v; writeOperator(element, current(), result.value.trim(), params); },
          { "aria-label": "Biểu thức", placeholder: "biểu thức" });
        var del = el("button", { type: "button", "class": "button small" }, "Xoá");
        del.addEventListener("click", function () {
          params.splice(i, 1); writeOperator(element, current(), result.value.trim(), params); draw();
        });
        line.appendChild(id); line.appendChild(value); line.appendChild(del);
        table.appendChild(line);
      });
    }
    draw();
    var add = el("button", { type: "button", "class": "button small" }, "Thêm tham số");
    add.addEventListener("click", function () { params.push({ id: "", type: "str", value: "" }); draw(); });
    body.appendChild(table);
    body.appendChild(add);
    var refuse = el("input", { type: "checkbox", name: "lt-refuse" });
    refuse.checked = (bo.get("lt:actions") || "").indexOf("refuse") >= 0;
    refuse.addEventListener("change", function () { setAttr(element, "lt:actions", refuse.checked ? "refuse" : ""); });
    var label = el("label");
    label.appendChild(refuse);
    label.appendChild(document.createTextNode(" Đối tác có thể từ chối (lt:actions=\"refuse\")"));
    body.appendChild(label);
  }

  function timerProps(body, element, timer) {
    var bo = element.businessObject;
    var expr = timer.timeDuration || timer.timeCycle || timer.timeDate;
    var text = expr ? String(expr.body || "") : "";
    var found = /^"P(?:T)?(\d+(?:\.\d+)?)([HDW])"$/.exec(text.trim());
    var current = found ? found[2] : "D", value = found ? found[1] : "";
    Object.keys(WORKING).forEach(function (k) {
      if (bo.get(WORKING[k])) { current = k; value = bo.get(WORKING[k]); }
    });
    var amount = textInput(value, apply, { inputmode: "decimal", name: "timer-amount" });
    var unit = select(UNITS, current, apply);
    unit.name = "timer-unit";
    function apply() {
      var working = WORKING[unit.value], n = Number(amount.value.replace(",", "."));
      if (!(n > 0) || (!working && n !== Math.floor(n))) {
        status(working ? "Thời lượng phải là số dương." : "Thời lượng phải là số nguyên dương.",
          "error");
        return;
      }
      var hours = unit.value === "H" || unit.value === "WH";
      var iso = hours ? "\"PT" + n + "H\"" : "\"P" + n + (working ? "D" : unit.value) + "\"";
      modeling.updateModdleProperties(element, timer, {
        timeDuration: moddle.create("bpmn:FormalExpression", { body: iso }),
        timeCycle: undefined, timeDate: undefined });
      var props = { "lt:workingDays": undefined, "lt:workingHours": undefined };
      if (working) { props[working] = String(n); }
      modeling.updateProperties(element, props);
    }
    body.appendChild(row("Hẹn giờ: thời lượng", amount, "Hiện tại: " + (text || "(chưa đặt)")));
    body.appendChild(row("Đơn vị", unit,
      "Ngày/giờ làm việc bỏ qua cuối tuần, ngày lễ, Tết và tính ngày làm bù của tỉnh."));
  }

  function conditionProps(body, element, bo) {
    var current = bo.conditionExpression ? bo.conditionExpression.body : "";
    var area = el("textarea", { rows: "2", name: "condition" });
    area.value = current || "";
    area.addEventListener("change", function () {
      var v = area.value.trim();
      modeling.updateProperties(element, { conditionExpression: v
        ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined });
    });
    body.appendChild(row("Điều kiện (ví dụ decision == \"refuse\")", area));
  }

  modeler.on("selection.changed", function (e) { renderProps(e.newSelection[0] || null); });
  modeler.on("element.changed", function (e) {
    if (state.current && e.element === state.current && document.activeElement &&
        !$("props").contains(document.activeElement)) { renderProps(e.element); }
  });

  // -- sandbox ----------------------------------------------------------------------------------
  function parseJson(id) {
    var text = $(id).value.trim();
    if (!text) { return {}; }
    try { return JSON.parse(text); } catch (err) { throw new Error("JSON không hợp lệ ở ô " + id); }
  }
  function drawSteps() {
    var list = $("sb-steps");
    list.innerHTML = "";
    state.steps.forEach(function (s, i) {
      var li = el("li", {}, s.step + " · " + s.action + " " + JSON.stringify(s.data));
      var del = el("button", { type: "button", "class": "button small" }, "Bỏ");
      del.addEventListener("click", function () { state.steps.splice(i); drawSteps(); runSandbox(); });
      li.appendChild(del);
      list.appendChild(li);
    });
  }
  function runSandbox() {
    if (!config.runUrl) { status("Lưu bản nháp trước khi chạy thử.", "warning"); return Promise.resolve(); }
    var body;
    try {
      body = { steps: state.steps, applicant: parseJson("sb-applicant"), data: parseJson("sb-data") };
    } catch (err) { status(err.message, "error"); return Promise.resolve(); }
    $("sb-result").textContent = "Đang chạy thử…";
    return post(config.runUrl, body).then(function (res) {
      if (!res.ok) { $("sb-result").textContent = res.body.error; return; }
      showRun(res.body, $("sb-result"), true);
    });
  }
  function nameOf(id) {
    var shape = registry.get(id);
    return shape && shape.businessObject.name ? shape.businessObject.name + " (" + id + ")" : id;
  }
  function showRun(run, box, interactive) {
    box.innerHTML = "";
    registry.getAll().forEach(function (e) {
      canvas.removeMarker(e.id, "sandbox-path");
      canvas.removeMarker(e.id, "sandbox-open");
    });
    box.dataset.status = run.status;
    box.appendChild(el("p", { "class": run.ok ? "run-ok" : "run-error" },
      (run.ok ? "Chạy được " : "Dừng sau ") + run.steps_run + " bước; trạng thái hồ sơ: " + run.status +
      (run.error ? ". Lỗi: " + run.error : "")));
    var path = el("ol", { "class": "run-path" });
    run.path.forEach(function (p) {
      path.appendChild(el("li", { "data-element": p.bpmn_id }, nameOf(p.bpmn_id)));
      if (registry.get(p.bpmn_id)) { canvas.addMarker(p.bpmn_id, "sandbox-path"); }
    });
    box.appendChild(el("h3", {}, "Đường đi"));
    box.appendChild(path);
    var gateways = Object.keys(run.branches || {});
    if (gateways.length) {
      box.appendChild(el("h3", {}, "Nhánh đã chọn tại các điểm rẽ nhánh"));
      var ul = el("ul", { "class": "run-branches" });
      gateways.forEach(function (g) {
        ul.appendChild(el("li", { "data-gateway": g }, nameOf(g) + " → " +
          run.branches[g].map(nameOf).join(", ")));
      });
      box.appendChild(ul);
    }
    if (run.service_calls.length) {
      box.appendChild(el("h3", {}, "Gọi hệ thống (mô phỏng)"));
      var calls = el("ul");
      run.service_calls.forEach(function (c) {
        calls.appendChild(el("li", {}, c.operation + ": " + c.state + (c.error ? " — " + c.error : "")));
      });
      box.appendChild(calls);
    }
    if (!interactive) { return; }
    run.open_steps.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, "sandbox-open"); }
      var card = el("div", { "class": "open-step", "data-step": id });
      card.appendChild(el("p", {}, "Bước đang mở: " + nameOf(id)));
      var data = el("textarea", { rows: "2", "aria-label": "Dữ liệu cho bước " + id });
      data.value = "{}";
      card.appendChild(data);
      [["complete", "Hoàn thành"], ["refuse", "Từ chối"], ["supplement", "Yêu cầu bổ sung"],
       ["submit_supplement", "Nộp bổ sung"]].forEach(function (pair) {
        var b = el("button", { type: "button", "class": "button small", "data-action": pair[0] }, pair[1]);
        b.addEventListener("click", function () {
          var parsed;
          try { parsed = JSON.parse(data.value || "{}"); } catch (err) {
            status("Dữ liệu của bước không phải JSON hợp lệ.", "error"); return;
          }
          state.steps.push({ step: id, action: pair[0], data: parsed });
          drawSteps();
          runSandbox();
        });
        card.appendChild(b);
      });
      box.appendChild(card);
    });
  }
  if ($("sb-run")) {
    $("sb-run").addEventListener("click", runSandbox);
    $("sb-reset").addEventListener("click", function () { state.steps = []; drawSteps(); runSandbox(); });
    $("sb-save").addEventListener("click", function () {
      var body;
      try {
        body = { name: $("sb-name").value, steps: state.steps, applicant: parseJson("sb-applicant"),
          data: parseJson("sb-data"), expect_status: $("sb-result").dataset.status || null };
      } catch (err) { status(err.message, "error"); return; }
      post(config.saveScenarioUrl, body).then(function (res) {
        status(res.ok ? "Đã lưu kịch bản “" + body.name + "”." : "Chưa lưu kịch bản: " + res.body.error,
          res.ok ? "success" : "error");
      });
    });
    $("sb-scenarios").addEventListener("click", function () {
      if (!config.scenariosUrl) { status("Lưu bản nháp trước khi chạy kịch bản.", "warning"); return; }
      post(config.scenariosUrl, {}).then(function (res) {
        var list = $("sb-scenario-results");
        list.innerHTML = "";
        if (!res.ok) { list.appendChild(el("li", {}, res.body.error)); return; }
        if (!res.body.length) { list.appendChild(el("li", {}, "Thủ tục chưa có kịch bản nào.")); }
        res.body.forEach(function (r) {
          list.appendChild(el("li", { "class": r.passed ? "run-ok" : "run-error" }, r.name + ": " +
            (r.passed ? "đạt" : "không đạt") + " (trạng thái " + r.run.status +
            (r.expect_status ? ", mong đợi " + r.expect_status : "") + ")" +
            (r.run.error ? " — " + r.run.error : "")));
        });
      });
    });
  }

  // -- deploy ---------------------------------------------------------------------------------
  if ($("deploy-form")) {
    $("deploy-form").addEventListener("submit", function (e) {
      if (!state.draft || !state.draft.deployable) {
        e.preventDefault();
        status("Bản nháp còn lỗi hoặc chưa được lưu: chưa triển khai được.", "error");
      }
    });
  }

  function markDirty() { state.dirty = true; updateDeploy(); }
  window.studio = { save: save, showFindings: showFindings, runSandbox: runSandbox, status: status,
    markDirty: markDirty };
})();
