/* The question bank pages: the editor's live preview, type-dependent answer fields, blanks
   and image upload; select-all and confirmations on the bank browser. No inline scripts (the
   CSP forbids them): every URL and message comes from data- attributes. Without this file
   every page still works through ordinary form posts. */
(function () {
  "use strict";

  var PREVIEW_DELAY = 400;
  var MIN_OPTIONS_SHOWN = 4;
  var BLANK = /_{4,}/g;

  // ---- bank browser ---------------------------------------------------------------------

  // A confirmation on the button that submitted (e.g. "Retire"), checked before app.js sees
  // the submit.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function setUpSelectAll() {
    var all = document.querySelector(".js-select-all");
    if (!all) return;
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=ids]"));
    if (!boxes.length) return;
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var checked = boxes.filter(function (b) { return b.checked; }).length;
        all.checked = checked === boxes.length;
        all.indeterminate = checked > 0 && checked < boxes.length;
      });
    });
  }

  // ---- editor ---------------------------------------------------------------------------

  function setUpEditor(form) {
    var typeSelect = form.querySelector("#type");
    var stem = form.querySelector("#stem");
    var pane = document.querySelector(".js-preview");
    var optionRows = Array.prototype.slice.call(form.querySelectorAll(".option-row"));
    var addOption = form.querySelector(".js-add-option");
    var blankList = form.querySelector(".js-blanks");
    var timer = null;
    var sequence = 0;

    form.querySelectorAll(".js-nojs").forEach(function (el) { el.hidden = true; });

    function currentType() { return typeSelect ? typeSelect.value : ""; }

    function showForType() {
      var type = currentType();
      form.querySelectorAll("[data-types]").forEach(function (el) {
        el.hidden = el.getAttribute("data-types").split(" ").indexOf(type) === -1;
      });
      form.querySelectorAll(".answer-single").forEach(function (el) { el.hidden = type !== "single"; });
      form.querySelectorAll(".answer-multiple").forEach(function (el) { el.hidden = type !== "multiple"; });
    }

    // Options: at least four rows, every row up to the last one filled in, and one more on
    // "Add an option" until all eight show.
    function optionText(row) { return row.querySelector(".option-text").value.trim(); }

    function showOptionRows(extra) {
      var last = -1;
      optionRows.forEach(function (row, i) { if (optionText(row)) last = i; });
      var visible = optionRows.filter(function (row) { return !row.hidden; }).length;
      var wanted = Math.max(MIN_OPTIONS_SHOWN, last + 1, extra ? visible + 1 : 0);
      wanted = Math.min(wanted, optionRows.length);
      optionRows.forEach(function (row, i) { row.hidden = i >= wanted; });
      if (addOption) addOption.hidden = wanted >= optionRows.length;
    }

    // Fill-in-the-blank: one answer field per ____ in the stem, keeping what was typed.
    function countBlanks() {
      var text = stem.value.replace(/<[^>]*>/g, "");
      var found = text.match(BLANK);
      return found ? found.length : 0;
    }

    function syncBlanks() {
      if (!blankList) return;
      var wanted = Math.max(1, Math.min(countBlanks(), 20));
      var rows = blankList.querySelectorAll(".blank-row");
      var pattern = form.getAttribute("data-blank-label") || "{n}";
      for (var i = rows.length; i < wanted; i++) {
        var row = document.createElement("div");
        row.className = "blank-row";
        var label = document.createElement("label");
        label.htmlFor = "blanks-" + i;
        label.textContent = pattern.replace("{n}", String(i + 1));
        var input = document.createElement("input");
        input.type = "text";
        input.id = input.name = "blanks-" + i;
        input.maxLength = 500;
        input.autocomplete = "off";
        row.appendChild(label);
        row.appendChild(input);
        blankList.appendChild(row);
      }
      for (var j = rows.length - 1; j >= wanted; j--) {
        if (!rows[j].querySelector("input").value.trim()) rows[j].remove();
        else break;  // never throw away a typed answer; the service reports the mismatch
      }
    }

    // Until the officer has typed a stem, the pane keeps its "appears here" note.
    var placeholder = stem && !stem.value.trim() && pane ? pane.innerHTML : null;

    function refreshPreview() {
      if (!pane) return;
      var mine = ++sequence;
      if (placeholder !== null && !stem.value.trim()) {
        pane.innerHTML = placeholder;
        return;
      }
      var data = new FormData(form);
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      }).then(function (html) {
        if (mine === sequence) pane.innerHTML = html;
      }).catch(function () { /* keep the last preview; the next change tries again */ });
    }

    function schedulePreview() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refreshPreview, PREVIEW_DELAY);
    }

    form.addEventListener("input", function (event) {
      if (event.target === stem) syncBlanks();
      if (event.target.classList && event.target.classList.contains("option-text")) showOptionRows(false);
      schedulePreview();
    });
    form.addEventListener("change", function (event) {
      if (event.target === typeSelect) showForType();
      schedulePreview();
    });
    if (addOption) {
      addOption.addEventListener("click", function () {
        showOptionRows(true);
        var next = optionRows.filter(function (row) { return !row.hidden; }).pop();
        if (next) next.querySelector(".option-text").focus();
      });
    }

    setUpImageUpload(form, stem, schedulePreview);
    showForType();
    showOptionRows(false);
    syncBlanks();
    refreshPreview();
  }

  // ---- image upload ---------------------------------------------------------------------

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    if (typeof start !== "number") { textarea.value += text; return; }
    textarea.setRangeText(text, start, end, "end");
    textarea.focus();
  }

  function setUpImageUpload(editor, stem, changed) {
    var uploadForm = document.querySelector(".js-image-form");
    var input = editor.querySelector(".js-image");
    var status = editor.querySelector(".js-upload-status");
    if (!uploadForm || !input || !stem) return;

    function say(message, isError) {
      if (!status) return;
      status.textContent = message;
      status.hidden = !message;
      status.classList.toggle("error", !!isError);
    }

    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) return;
      var failed = editor.getAttribute("data-upload-failed") || "";
      say(editor.getAttribute("data-uploading") || "", false);
      fetch(uploadForm.action, {
        method: "POST", body: new FormData(uploadForm), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return { message: failed }; });
      }).then(function (reply) {
        if (reply && reply.url) {
          // Escaped by construction: the server's URL is a hash and an extension.
          insertAtCursor(stem, '<img src="' + reply.url.replace(/"/g, "") + '" alt="">');
          say("", false);
          changed();
        } else {
          say((reply && reply.message) || failed, true);
        }
      }).catch(function () {
        say(failed, true);
      }).then(function () {
        input.value = "";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpSelectAll();
    var editor = document.getElementById("question-form");
    if (editor) setUpEditor(editor);
  });
})();
