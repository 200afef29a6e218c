// The console's only script: confirmation of irreversible actions, "select all" for batch actions, copying a
// link, the progress of a background task (its page reloads once the task has finished, to show the download),
// and the suggestions of the agent pickers (names and phones as one types; the server reads what was typed).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches("input[data-select-all]")) return;
  document.querySelectorAll("input[name='" + box.getAttribute("data-select-all") + "']").forEach(function (each) {
    each.checked = box.checked;
  });
});
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var input = document.querySelector(button.getAttribute("data-copy"));
  input.select();
  var done = function () { button.textContent = "已复制"; };
  if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
  else { document.execCommand("copy"); done(); }
});
function watchTask(card) {
  var again = function (delay) { window.setTimeout(function () { watchTask(card); }, delay); };
  fetch(card.getAttribute("data-progress-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (task) {
      if (!task) return;
      if (task.finished) { window.location.reload(); return; }
      card.querySelector("[data-bar]").value = task.percent;
      card.querySelector("[data-percent]").textContent = task.percent + "%";
      card.querySelector("[data-count]").textContent = task.done + " / " + task.total;
      var status = card.querySelector("[data-status]");
      status.textContent = task.status_name;
      status.className = "badge task-" + task.status;
      again(1000);
    })
    .catch(function () { again(5000); });  // the server is briefly unreachable: keep watching, less often
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-watch]").forEach(watchTask);
});
var lookupTimer = null;
document.addEventListener("input", function (event) {
  var field = event.target;
  if (!field.matches("input[data-agent-lookup]")) return;
  window.clearTimeout(lookupTimer);
  var typed = field.value.trim();
  if (!typed) return;
  lookupTimer = window.setTimeout(function () {
    fetch(field.getAttribute("data-agent-lookup") + "?q=" + encodeURIComponent(typed),
          {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (found) {
        var list = document.getElementById(field.getAttribute("list"));
        list.textContent = "";
        found.forEach(function (agent) {
          var option = document.createElement("option");
          option.value = agent.label;
          option.textContent = agent.region;
          list.appendChild(option);
        });
      })
      .catch(function () {});
  }, 200);
});
