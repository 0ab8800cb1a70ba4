// The exports page. A file, not inline: the content security policy forbids inline scripts.
// Poll each unfinished export through the API (same session) until it is done or failed.
// The words come from the table's data attributes, translated by the template: no JavaScript
// catalog to load for two words.
(function () {
  var table = document.querySelector("table[data-download-label]");
  var words = table ? table.dataset : {downloadLabel: "Download", failedLabel: "Failed:"};
  function poll(row) {
    fetch("/api/v1/exports/" + row.dataset.export + "/", {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        var cell = row.querySelector(".export-status");
        if (body.status === "done") {
          cell.innerHTML = "";
          var link = document.createElement("a");
          link.href = body.download_url; link.textContent = words.downloadLabel;
          cell.appendChild(link);
        } else if (body.status === "failed") {
          cell.textContent = words.failedLabel + " " + body.error;
        } else {
          cell.querySelector("progress").value = body.progress;
          cell.querySelector("span").textContent = body.progress + " %";
          setTimeout(function () { poll(row); }, 1000);
        }
      });
  }
  document.querySelectorAll("tr[data-status=queued], tr[data-status=running]").forEach(poll);
})();
