// A new claim's key, suggested from its statement as one types it, until one edits the key:
// the statement transliterated (the table of claims/translit.py, given in data-translit) and
// slugified as django.utils.text.slugify does, cut at a word's end (claims/keys.py, which makes
// the same key on the server when the field is left empty).
(function () {
  "use strict";
  var key = document.querySelector("input[data-key-from]");
  if (!key) return;
  var statement = document.getElementById(key.getAttribute("data-key-from"));
  var table = JSON.parse(key.getAttribute("data-translit") || "{}");
  var length = parseInt(key.getAttribute("data-key-length"), 10) || 60;
  if (!statement) return;

  function romanize(text) {
    return Array.from(text).map(function (char) {
      var lower = char.toLowerCase();
      if (!Object.prototype.hasOwnProperty.call(table, lower)) return char;
      var latin = table[lower];
      return char !== lower && latin ? latin.charAt(0).toUpperCase() + latin.slice(1) : latin;
    }).join("");
  }

  function slugify(text) {
    text = text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase();
    text = text.replace(/[^\w\s-]/g, "");
    return text.replace(/[-\s]+/g, "-").replace(/^[-_]+|[-_]+$/g, "");
  }

  function keyFor(text) {
    var slug = slugify(romanize(text)).replace(/^-+|-+$/g, "");
    if (slug.length > length) {
      slug = slug.slice(0, length);
      if (slug.indexOf("-") >= 0) slug = slug.slice(0, slug.lastIndexOf("-"));
    }
    return slug.replace(/^-+|-+$/g, "");
  }

  // A key typed (or kept from before) is the person's own: not replaced.
  var own = key.value !== "" && key.value !== keyFor(statement.value);
  statement.addEventListener("input", function () {
    if (!own) key.value = keyFor(statement.value);
  });
  key.addEventListener("input", function () {
    own = key.value !== "";
  });
})();
