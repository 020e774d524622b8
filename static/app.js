// Small enhancements on top of plain forms: focus, file checks, drag and drop, copy.
// Everything here is optional: without JavaScript the forms post and the server answers pages.
(function () {
  "use strict";

  // The form whose answer is being swapped in: after "Create keystore" / "Create truststore"
  // the user wants to see the file it made and what comes next, not the top of the step.
  var lastSubmitted = "";
  document.addEventListener("submit", function (event) {
    lastSubmitted = (event.target && event.target.id) || "";
  }, true);
  var RESULT_OF = { "keystore-settings": "keystore-result", "truststore-settings": "truststore-result" };

  function reveal(el) {
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "start", behavior: reduced ? "auto" : "smooth" });
  }

  // root: the whole page, the wizard, or the step section an action swapped in (it carries
  // data-focus itself; steps that came along out of band do not take the focus).
  function focusTarget(root) {
    var invalid = root.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); return; }
    var submitted = lastSubmitted;
    lastSubmitted = "";
    // Issue 21: after Renew, what it did and Download all (just below) are the next thing.
    var renewed = submitted === "renew-form" && document.getElementById("renewal-result");
    if (renewed && root.contains(renewed)) {
      reveal(renewed);
      return;
    }
    var result = RESULT_OF[submitted] && document.getElementById(RESULT_OF[submitted]);
    if (result && root.contains(result) && result.querySelector("a[download]")) {
      reveal(result);
      return;
    }
    if (RESULT_OF[submitted] && root.classList && root.classList.contains("step--done")) {
      // The store was made and its step folded: keep its summary (the downloads) in view and
      // put the keyboard on the next step. Later than now: that step may still be swapped
      // in out of band after this one.
      var next = root.nextElementSibling;
      var nextId = next && next.id;
      setTimeout(function () {
        var heading = nextId && document.getElementById(nextId + "-title");
        if (!heading) { return; }
        heading.focus({ preventScroll: true });
        root.scrollIntoView({ block: "start" });
        if (heading.getBoundingClientRect().bottom > window.innerHeight) {
          heading.scrollIntoView({ block: "end" });
        }
      }, 0);
      return;
    }
    var holder = root.hasAttribute && root.hasAttribute("data-focus") ? root : document.getElementById("wizard");
    var step = holder && holder.getAttribute("data-focus");
    if (step) {
      var heading = document.getElementById(step + "-title") || document.getElementById(step);
      if (heading) { heading.focus(); }
    }
  }

  // Errors found here (not by the server) carry data-client-error, so choosing a better file
  // can take exactly them back.
  function showFileError(input, message) {
    var id = input.id + "-error";
    var existing = document.getElementById(id);
    if (!existing) {
      existing = document.createElement("p");
      existing.className = "field__error";
      existing.id = id;
      existing.setAttribute("data-client-error", "");
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

  function clearFileError(input) {
    var id = input.id + "-error";
    var existing = document.getElementById(id);
    if (!existing || !existing.hasAttribute("data-client-error")) { return; }
    existing.remove();
    input.removeAttribute("aria-invalid");
    var described = (input.getAttribute("aria-describedby") || "").split(" ")
      .filter(function (token) { return token && token !== id; });
    if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); }
    else { input.removeAttribute("aria-describedby"); }
    input.closest(".field").classList.remove("field--invalid");
  }

  // Refuse an over-size file before uploading it: the server would refuse it too, after
  // the user waited for the whole upload.
  function oversize(form) {
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    var refused = false;
    for (var i = 0; i < inputs.length; i++) {
      var limit = parseInt(inputs[i].getAttribute("data-max-bytes"), 10);
      var files = Array.prototype.slice.call(inputs[i].files || []);
      var large = files.some(function (file) { return file.size > limit; });
      if (large && !refused) {
        // The sentence is the server's own (web/errors.py), so the two never differ.
        showFileError(inputs[i], document.body.getAttribute("data-file-too-large"));
        refused = true;
      } else if (!large) {
        clearFileError(inputs[i]);
      }
    }
    return refused;
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
      zone.addEventListener("dragleave", function (e) {
        // Moving over the zone's own label or hint is not leaving it.
        if (!zone.contains(e.relatedTarget)) { zone.classList.remove("dropzone--over"); }
      });
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

  // A file dropped just beside a drop zone would make the browser open it instead of the
  // page: outside zones and file fields, a dropped file does nothing.
  function carriesFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") >= 0;
  }
  function outsideTargets(event) {
    return !(event.target.closest && event.target.closest(".dropzone, input[type=file]"));
  }
  ["dragover", "drop"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (carriesFiles(event) && outsideTargets(event)) {
        event.preventDefault();
        if (type === "dragover") { event.dataTransfer.dropEffect = "none"; }
      }
    });
  });

  // Screen readers do not notice a button's text change: say it in the page's live region.
  function announce(message) {
    var region = document.getElementById("announcer");
    if (!region) { return; }
    region.textContent = "";
    setTimeout(function () { region.textContent = message; }, 50);
  }

  // The words shown here come in the page's language from <body data-*> (base.html).
  function words(name, english) {
    return document.body.getAttribute("data-" + name) || english;
  }

  function copyText(text, button) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    function show(shown, message) {
      button.textContent = shown;
      announce(message);
      clearTimeout(Number(button.getAttribute("data-reset")));
      button.setAttribute("data-reset", String(setTimeout(function () { button.textContent = label; }, 2000)));
    }
    function failed() {
      show(words("copy-failed", "Copy failed"),
        words("copy-blocked", "This browser blocked copying. Select the text and copy it yourself."));
    }
    // navigator.clipboard exists only on HTTPS (or localhost) pages.
    if (!navigator.clipboard) { failed(); return; }
    navigator.clipboard.writeText(text).then(function () {
      show(words("copied", "Copied"), words("copied-message", "Copied to the clipboard."));
    }, failed);
  }

  // "Get the zip and erase my data": the download does not leave the page, so once the
  // server marked the session erased (a cookie without any secret), show the page that says
  // so, instead of downloads that can no longer work.
  function awaitErased() {
    var tries = 0;
    var timer = setInterval(function () {
      tries += 1;
      if (/(^|;\s*)mtls_erased=1/.test(document.cookie)) {
        clearInterval(timer);
        var home = document.querySelector(".brand a");
        window.location.assign(home ? home.href : "/");
      } else if (tries > 240) {
        clearInterval(timer);
      }
    }, 250);
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a[data-erases], button[data-erases], form[data-erases] button")) {
      awaitErased();
    }
  }, true);

  // A link to a folded section (issue 21: "Generate a new key pair" beside Renew) opens it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-url]");
    if (!button) { return; }
    if (button.hasAttribute("data-copy")) {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (source) { copyText(source.textContent.trim(), button); }
    } else {
      fetch(button.getAttribute("data-copy-url"), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
        .then(function (text) { copyText(text, button); },
              function () {
                announce(words("settings-unloaded", "The settings could not be loaded. Reload the page and try again."));
              });
    }
  });

  // Issue 18: every htmx request says what each step on the page shows (the digest of its
  // view model, data-view), so the answer redraws every step that differs from what is here,
  // whatever order earlier answers arrived in. A save or any other action also cancels live
  // previews still on their way from its form: their answer, computed before the save,
  // would otherwise land after it and put back what the save replaced.
  document.addEventListener("htmx:config:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx || !ctx.request) { return; }
    var shown = [];
    document.querySelectorAll("[data-view]").forEach(function (el) {
      shown.push(el.id + "=" + el.getAttribute("data-view"));
    });
    ctx.request.headers["X-Shown-Views"] = shown.join(" ");
    var source = ctx.sourceElement;
    if (source && source.matches && source.matches("form")) {
      source.querySelectorAll("[hx-trigger^='input']").forEach(function (live) {
        live.dispatchEvent(new CustomEvent("htmx:abort"));
      });
    }
  });

  // Issue 20: the testing status becomes visible by CSS (the step carries htmx's request
  // class); screen readers do not notice an element that merely appears, so say it too.
  document.addEventListener("htmx:before:request", function (event) {
    if (event.target && event.target.id === "connection-test-form") {
      var status = document.getElementById("connection-testing");
      announce(status ? status.textContent : words("testing", "Testing the connection…"));
    }
  });

  // htmx announces each piece of new content once it is in the page. Only the step an action
  // answered with (or a whole new wizard) moves focus; a live preview must not steal it from
  // the field being typed in.
  document.addEventListener("htmx:after:process", function (event) {
    var root = event.target;
    if (!(root instanceof Element)) { return; }
    enhance(root);
    if (root.id === "wizard" || root.hasAttribute("data-focus")) { focusTarget(root); }
    // The reveal toggle replaced itself: keep the keyboard where it was.
    if (root.id === "config-preview") {
      var toggle = document.getElementById("config-reveal-button");
      if (toggle) { toggle.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    var hash = window.location.hash.replace("#", "");
    var wizard = document.getElementById("wizard");
    if (wizard && wizard.getAttribute("data-focus") === "erased") {
      document.getElementById("erased-title").focus();
    } else if (document.querySelector("[aria-invalid='true']")) {
      focusTarget(document);
    } else if (hash && document.getElementById(hash + "-title")) {
      document.getElementById(hash + "-title").focus();
    }
  });
})();
