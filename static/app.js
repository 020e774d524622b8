// Small enhancements on top of plain forms: focus, file checks, drag and drop, copy.
// Everything here is optional: without JavaScript the forms post and the server answers pages.
(function () {
  "use strict";

  function focusTarget(root) {
    var invalid = root.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); return; }
    var wizard = document.getElementById("wizard");
    var step = wizard && wizard.getAttribute("data-focus");
    if (step) {
      var heading = document.getElementById(step + "-title") || document.getElementById(step);
      if (heading) { heading.focus(); }
    }
  }

  function showFileError(input, message) {
    var id = input.id + "-error";
    var existing = document.getElementById(id);
    if (!existing) {
      existing = document.createElement("p");
      existing.className = "field__error";
      existing.id = id;
      input.parentNode.insertBefore(existing, input);
    }
    existing.textContent = message;
    input.setAttribute("aria-invalid", "true");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(id) < 0) { described.push(id); }
    input.setAttribute("aria-describedby", described.join(" "));
    input.closest(".field").classList.add("field--invalid");
    input.focus();
  }

  // Refuse an over-size file before uploading it: the server would refuse it too, after
  // the user waited for the whole upload.
  function oversize(form) {
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var limit = parseInt(inputs[i].getAttribute("data-max-bytes"), 10);
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j++) {
        if (files[j].size > limit) {
          showFileError(inputs[i], "This file is too large. Key pair and certificate files are a few KB; the limit is "
            + Math.floor(limit / 1024) + " KB. Check that you chose the right file.");
          return true;
        }
      }
    }
    return false;
  }

  function guard(event) {
    var form = event.target.closest && event.target.closest("form");
    if (form && oversize(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }
  document.addEventListener("submit", guard, true);
  document.addEventListener("change", function (event) {
    if (event.target.type === "file") { guard(event); }
  }, true);

  function enhance(root) {
    root.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
    root.querySelectorAll("[data-dropzone]").forEach(function (input) {
      var zone = input.closest(".field");
      if (!zone || zone.dataset.dropReady) { return; }
      zone.dataset.dropReady = "1";
      zone.classList.add("dropzone");
      zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("dropzone--over"); });
      zone.addEventListener("dragleave", function () { zone.classList.remove("dropzone--over"); });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        zone.classList.remove("dropzone--over");
        if (e.dataTransfer && e.dataTransfer.files.length) {
          input.files = e.dataTransfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    });
  }

  function copyText(text, button) {
    navigator.clipboard.writeText(text).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-url]");
    if (!button) { return; }
    if (button.hasAttribute("data-copy")) {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (source) { copyText(source.textContent.trim(), button); }
    } else {
      fetch(button.getAttribute("data-copy-url"), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (text) { copyText(text, button); });
    }
  });

  // htmx announces each piece of new content once it is in the page. Only a new wizard
  // (after an action) moves focus; a live preview must not steal it from the field being typed in.
  document.addEventListener("htmx:after:process", function (event) {
    var root = event.target;
    if (!(root instanceof Element)) { return; }
    enhance(root);
    if (root.id === "wizard") { focusTarget(root); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    var hash = window.location.hash.replace("#", "");
    if (document.querySelector("[aria-invalid='true']")) {
      focusTarget(document);
    } else if (hash && document.getElementById(hash + "-title")) {
      document.getElementById(hash + "-title").focus();
    }
  });
})();
