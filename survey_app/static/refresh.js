// Keeps staff pages current without a full reload. Each element with a
// data-refresh address is replaced by the HTML the server renders there.
// Without JavaScript the pages still work: a refresh shows the same figures.
(function () {
  "use strict";

  function refresh(element) {
    if (document.hidden) {
      return;
    }
    fetch(element.dataset.refresh, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (html) {
        element.innerHTML = html;
      })
      .catch(function () {
        // A missed refresh is retried at the next interval.
      });
  }

  document.querySelectorAll("[data-refresh]").forEach(function (element) {
    var seconds = parseInt(element.dataset.refreshSeconds || "5", 10);
    window.setInterval(function () { refresh(element); }, seconds * 1000);
  });
})();
