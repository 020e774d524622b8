// Issue 14: choosing a store format (JKS or PKCS#12) switches the file name's extension and
// shows the PKCS#12 password rule at once. Optional: the server applies the same rules when
// the form posts, so without JavaScript the page is right after the next save.
(function () {
  "use strict";
  var STORE_EXTENSION = /\.(jks|p12|pfx)$/i;

  document.addEventListener("change", function (event) {
    var radio = event.target;
    var choice = radio.closest && radio.closest("[data-format-choice]");
    if (!choice || radio.type !== "radio" || !radio.checked) { return; }
    var note = choice.querySelector("[data-pkcs12-note]");
    if (note) { note.hidden = radio.value !== "pkcs12"; }
    var name = document.getElementById(choice.getAttribute("data-format-choice") + "_filename");
    var extension = radio.getAttribute("data-extension");
    if (!name || !extension) { return; }
    var keepsPfx = radio.value === "pkcs12" && /\.pfx$/i.test(name.value);
    if (STORE_EXTENSION.test(name.value) && !keepsPfx) {
      // Before the live preview posts the form (input delay), so it saves the new name.
      name.value = name.value.replace(STORE_EXTENSION, extension);
    }
  }, true);
})();
