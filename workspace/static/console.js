// The console's only script: keeps a ticket's conversation fresh, and draws the figures.
// Everything a client wrote is put on the page as text (textContent), never as HTML.
(function () {
  "use strict";

  function refreshConversation(list) {
    var source = list.getAttribute("data-source");
    fetch(source, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { return null; }
      return response.json();
    }).then(function (data) {
      if (!data) { return; }
      var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
      list.textContent = "";
      data.lines.forEach(function (line) {
        var item = document.createElement("li");
        item.className = line.direction;
        var time = document.createElement("time");
        time.textContent = line.at;
        var text = document.createElement("span");
        text.textContent = line.text;
        item.appendChild(time);
        item.appendChild(text);
        list.appendChild(item);
      });
      var status = document.getElementById("status");
      if (status && status.getAttribute("data-status") !== data.status) { window.location.reload(); }
      if (atBottom) { list.scrollTop = list.scrollHeight; }
    }).catch(function () { /* the next round tries again */ });
  }

  var conversation = document.getElementById("conversation");
  if (conversation) {
    conversation.scrollTop = conversation.scrollHeight;
    window.setInterval(function () { refreshConversation(conversation); }, 3000);
  }

  function chart(id, type, labels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") { return; }
    new Chart(canvas, { type: type, data: { labels: labels, datasets: datasets },
      options: Object.assign({ animation: false, responsive: true,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }, options || {}) });
  }

  var dataNode = document.getElementById("figures-data");
  if (dataNode) {
    var d = JSON.parse(dataNode.textContent);
    var l = JSON.parse(document.getElementById("figures-labels").textContent);
    var stacked = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } };
    chart("chart-tickets", "bar", d.weeks, [{ label: l.tickets, data: d.tickets, backgroundColor: "#1f3a5f" }]);
    chart("chart-first-reply", "line", d.weeks, [{ label: l.minutes, data: d.first_reply, borderColor: "#c2571a", spanGaps: true }]);
    chart("chart-ratings", "bar", ["1", "2", "3", "4", "5"], [{ label: l.ratings, data: d.ratings, backgroundColor: "#3b8a4f" }]);
    chart("chart-faq", "bar", d.weeks, [
      { label: l.answer, data: d.faq.answer, backgroundColor: "#3b8a4f" },
      { label: l.clarify, data: d.faq.clarify, backgroundColor: "#e0a526" },
      { label: l.fallback, data: d.faq.fallback, backgroundColor: "#b23b35" }], stacked);
    chart("chart-reminders", "bar", d.weeks, [
      { label: l.sent, data: d.reminders.sent, backgroundColor: "#3b8a4f" },
      { label: l.failed, data: d.reminders.failed, backgroundColor: "#b23b35" },
      { label: l.pending, data: d.reminders.pending, backgroundColor: "#9aa4b2" },
      { label: l.acknowledged, data: d.reminders.acknowledged, backgroundColor: "#1f3a5f" }]);
    chart("chart-deadlines", "bar", l.lang === "en" ? d.deadlines.en : d.deadlines.zh,
      [{ label: l.licences, data: d.deadlines.counts, backgroundColor: "#1f3a5f" }]);
  }
}());
