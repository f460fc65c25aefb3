/* The eForm editor of the studio: a user task's form as a list of fields (path, label, type,
   required, choices, help, prefill source), built and checked by the server (forms.builder)
   on every change and previewed with the counter page's own field rendering. A form that
   builds is kept in `studioState.forms` and saved with the draft. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("studio-config").textContent);
  var TYPES = { text: "Chữ (một dòng)", textarea: "Chữ (nhiều dòng)", integer: "Số nguyên",
    number: "Số", date: "Ngày", cccd: "Số định danh cá nhân (CCCD)",
    enterprise_code: "Mã số doanh nghiệp", phone: "Số điện thoại", email: "Thư điện tử",
    choice: "Chọn một", multi_choice: "Chọn nhiều", upload: "Tệp đính kèm", boolean: "Có/Không" };
  var box = document.getElementById("form-editor");
  var editing = null; // {id, title, fields, base, element}
  var edited = {}; // form id → what the designer made of it in this page, reopened as left
  var timer = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function lines(map) {
    return Object.keys(map || {}).map(function (k) { return k + "=" + map[k]; }).join("\n");
  }
  function unlines(text) {
    var out = {};
    String(text || "").split("\n").forEach(function (line) {
      var at = line.indexOf("=");
      var key = (at >= 0 ? line.slice(0, at) : line).trim();
      if (key) { out[key] = (at >= 0 ? line.slice(at + 1) : key).trim(); }
    });
    return out;
  }

  function open(formId, element) {
    box.hidden = false;
    var known = edited[formId] || (config.forms || {})[formId];
    var start = function (data) {
      editing = { id: formId, title: data.title || "", fields: data.fields || [],
        base: data.raw || null, element: element, dirty: false };
      $("fe-problems").textContent = data.registered
        ? "Biểu mẫu này đang được dùng: muốn sửa, hãy đặt mã mới ở ô Biểu mẫu của bước." : "";
      draw();
      refresh();
    };
    if (editing && editing.id === formId) { editing.element = element; return; }
    if (known) { start(known); return; }
    fetch(config.formUrl.replace("__ID__", encodeURIComponent(formId)), { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        start(res.ok ? Object.assign({ registered: true }, res.body) : { title: "", fields: [] });
      });
  }

  function close() { box.hidden = true; editing = null; }

  function draw() {
    $("fe-id").textContent = editing.id;
    $("fe-title").value = editing.title;
    var list = $("fe-fields");
    list.innerHTML = "";
    editing.fields.forEach(function (f, i) { list.appendChild(fieldCard(f, i)); });
  }

  function input(label, value, onInput, attrs) {
    var wrap = el("div", { "class": "field" });
    var node = el((attrs && attrs.rows) ? "textarea" : "input", attrs || {});
    node.id = "fe-" + Math.random().toString(36).slice(2, 9);
    if (node.type === "checkbox") { node.checked = !!value; } else { node.value = value || ""; }
    node.addEventListener(node.type === "checkbox" ? "change" : "input", function () {
      onInput(node.type === "checkbox" ? node.checked : node.value);
      schedule();
    });
    wrap.appendChild(el("label", { "for": node.id }, label));
    wrap.appendChild(node);
    return wrap;
  }

  function fieldCard(f, i) {
    var card = el("fieldset", { "class": "fe-field", "data-index": String(i) });
    card.appendChild(el("legend", {}, "Trường " + (i + 1)));
    card.appendChild(input("Mã trường", f.path, function (v) { f.path = v.trim(); },
      { name: "path", placeholder: "vd. ket_qua_xac_minh" }));
    card.appendChild(input("Nhãn tiếng Việt", f.label, function (v) { f.label = v; }, { name: "label" }));
    var type = el("select", { name: "type" });
    Object.keys(TYPES).forEach(function (k) {
      var o = el("option", { value: k }, TYPES[k]);
      if (k === f.type) { o.selected = true; }
      type.appendChild(o);
    });
    type.id = "fe-type-" + i;
    type.addEventListener("change", function () { f.type = type.value; draw(); schedule(); });
    var wrap = el("div", { "class": "field" });
    wrap.appendChild(el("label", { "for": type.id }, "Kiểu / kiểm tra"));
    wrap.appendChild(type);
    card.appendChild(wrap);
    card.appendChild(input("Bắt buộc", f.required, function (v) { f.required = v; },
      { type: "checkbox", name: "required" }));
    if (f.type === "choice" || f.type === "multi_choice") {
      card.appendChild(input("Các lựa chọn (mỗi dòng: giá_trị=Nhãn)", lines(f.options),
        function (v) { f.options = unlines(v); }, { rows: "3", name: "options" }));
    }
    card.appendChild(input("Hướng dẫn", f.help, function (v) { f.help = v; }, { name: "help" }));
    var prefill = f.prefill || {};
    var reads = { "": "(không điền sẵn)" };
    (config.operations || []).forEach(function (o) {
      if (o.kind === "read") { reads[o.operation] = o.operation + " — " + o.summary; }
    });
    var pick = el("select", { name: "prefill-operation" });
    pick.id = "fe-prefill-" + i;
    Object.keys(reads).forEach(function (k) {
      var o = el("option", { value: k }, reads[k]);
      if (k === (prefill.operation || "")) { o.selected = true; }
      pick.appendChild(o);
    });
    pick.addEventListener("change", function () {
      f.prefill = pick.value ? { operation: pick.value, param: (f.prefill || {}).param || f.path,
        fill: (f.prefill || {}).fill || {} } : null;
      draw(); schedule();
    });
    var pw = el("div", { "class": "field" });
    pw.appendChild(el("label", { "for": pick.id }, "Điền sẵn từ cơ sở dữ liệu (nguồn)"));
    pw.appendChild(pick);
    card.appendChild(pw);
    if (f.prefill) {
      card.appendChild(input("Tham số nhận giá trị đã gõ", f.prefill.param, function (v) {
        f.prefill.param = v.trim();
      }, { name: "prefill-param" }));
      card.appendChild(input("Điền vào (mỗi dòng: trường=khóa trong kết quả)", lines(f.prefill.fill),
        function (v) { f.prefill.fill = unlines(v); }, { rows: "2", name: "prefill-fill" }));
    }
    var del = el("button", { type: "button", "class": "button small danger" }, "Xoá trường");
    del.addEventListener("click", function () { editing.fields.splice(i, 1); draw(); schedule(); });
    card.appendChild(del);
    return card;
  }

  function schedule() {
    if (editing) { editing.dirty = true; } // only what the designer changed goes into the draft
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 250);
  }

  function refresh() {
    if (!editing) { return; }
    var current = editing;
    var body = { form_id: current.id, title: current.title, fields: current.fields, base: current.base };
    window.studioPost(config.previewUrl, body).then(function (res) {
      if (editing !== current) { return; }
      var problems = $("fe-problems");
      if (!res.ok) {
        problems.textContent = res.body.error;
        box.dataset.valid = "0";
        return;
      }
      if (current.dirty) { problems.textContent = ""; }
      box.dataset.valid = "1";
      $("fe-preview").innerHTML = res.body.html; // rendered by our own template (escaped)
      if (current.dirty) {
        edited[current.id] = { title: current.title, fields: current.fields, raw: current.base };
      }
      if (current.dirty && current.fields.length) {
        window.studioState.forms[current.id] = res.body.raw;
        window.studio.markDirty();
      }
    });
  }

  $("fe-title").addEventListener("input", function () {
    if (editing) { editing.title = $("fe-title").value; schedule(); }
  });
  $("fe-add").addEventListener("click", function () {
    if (!editing) { return; }
    editing.fields.push({ path: "truong_" + (editing.fields.length + 1), label: "", type: "text",
      required: false, options: {}, limits: {}, help: "", prefill: null });
    draw();
    schedule();
  });

  window.StudioForms = { open: open, close: close };
})();
