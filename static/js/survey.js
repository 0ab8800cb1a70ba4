// The survey page: autosave through the JSON survey API, and clearing the "missing" mark
// once a flagged statement is answered. A file, not inline: the content security policy
// forbids inline scripts.
(function () {
  var form = document.querySelector(".survey-form");
  var status = document.getElementById("autosave");
  // The page's own link carries the token; the JSON API saves drafts with the same service.
  var api = "/api/v1/survey/" + location.pathname.split("/")[2] + "/";
  var pending = {ratings: {}, comments: {}};
  var timer = null;
  // The words come from the page, in its language (data-* on #autosave, issue 18).
  function words(name, values) {
    return status.dataset[name].replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }
  var locale = (form.closest("[lang]") || document.documentElement).lang || undefined;

  // Once a flagged statement gets an answer, stop marking it as missing.
  form.addEventListener("change", function (event) {
    var item = event.target.closest("fieldset.item.missing");
    if (!item) return;
    item.classList.remove("missing");
    item.removeAttribute("aria-invalid");
    var error = document.getElementById(item.id + "-error");
    if (error) error.remove();
  });

  // "12 of 30 answered", counted from the page as ratings are chosen (the server writes
  // the same count into the page, so it is right without JavaScript too).
  var answered = document.getElementById("answered-count");
  function countAnswered() {
    var names = {};
    form.querySelectorAll("fieldset.item input[type=radio]:checked").forEach(function (radio) {
      names[radio.name] = true;
    });
    answered.textContent = Object.keys(names).length;
  }
  form.addEventListener("change", countAnswered);

  // Autosave: every answer is saved a moment after it is given, so closing the tab
  // loses nothing; "Save draft" still works without JavaScript.
  function save() {
    timer = null;
    var body = pending;
    pending = {ratings: {}, comments: {}};
    fetch(api, {method: "PUT", headers: {"Content-Type": "application/json", "Accept-Language": locale || ""},
                body: JSON.stringify(body)})
      .then(function (response) {
        if (response.ok) {
          var now = new Date();
          var time = now.toLocaleTimeString(locale, {hour: "2-digit", minute: "2-digit"});
          status.textContent = words("savedAt", {time: time});
          return;
        }
        return response.json().then(function (error) {
          status.textContent = words("notSaved", {reason: error.detail});
        });
      })
      .catch(function () {
        status.textContent = words("offline", {});
      });
  }
  function later(delay) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, delay);
  }
  form.addEventListener("change", function (event) {
    var field = event.target;
    if (field.type === "radio") {
      pending.ratings[field.name.slice(7)] = field.value === "na" ? null : Number(field.value);
      later(400);
    }
  });
  form.addEventListener("input", function (event) {
    var field = event.target;
    if (field.tagName === "TEXTAREA") {
      pending.comments[field.name.slice(8)] = field.value;
      later(1500);
    }
  });
})();
