/* Structure statistics charts (党员结构统计): every [data-structure-stats] card reads its JSON
   (members.selectors.structure_stats, rendered by json_script) and draws each [data-chart]
   with ECharts (served locally). Labels come translated from the server. */
(function () {
  "use strict";
  var PALETTE = ["#b71c1c", "#f6c343", "#e57373", "#8d6e63", "#ffb74d", "#5c6bc0", "#26a69a", "#90a4ae", "#ab47bc", "#78909c"];
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

  function pie(items) {
    var data = items.filter(function (d) { return d.count > 0; })
      .map(function (d) { return {name: d.label, value: d.count}; });
    var counts = {};
    data.forEach(function (d) { counts[d.name] = d.value; });
    return {
      tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      // the legend carries the numbers; the slices carry only their share, short enough for a phone
      legend: {bottom: 0, itemWidth: 12, itemHeight: 12, formatter: function (name) { return name + " " + counts[name]; }},
      series: [{type: "pie", radius: ["40%", "64%"], center: ["50%", "45%"], percentPrecision: 1,
        label: {formatter: "{d}%", fontSize: 12}, labelLine: {length: 8, length2: 8},
        data: data}]
    };
  }

  function bar(items, axisName, narrow) {
    return {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 8, right: 16, top: 28, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: items.map(function (d) { return d.label; }),
        axisLabel: {interval: 0, fontSize: 12, rotate: narrow ? 35 : 0}, axisTick: {alignWithLabel: true}},
      yAxis: {type: "value", name: axisName || "", minInterval: 1, splitLine: {lineStyle: {color: "#eee"}}},
      series: [{type: "bar", barMaxWidth: 42, itemStyle: {color: PALETTE[0]},
        label: {show: true, position: "top", fontSize: 12},
        data: items.map(function (d) { return d.count; })}]
    };
  }

  function hbar(items) {
    var rows = items.slice().reverse();  // the first choice on top
    return {
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 8, right: 48, top: 8, bottom: 8, containLabel: true},
      xAxis: {type: "value", minInterval: 1, splitLine: {lineStyle: {color: "#eee"}}},
      yAxis: {type: "category", data: rows.map(function (d) { return d.label; }),
        axisLabel: {interval: 0, fontSize: 12}, axisTick: {show: false}},
      series: [{type: "bar", barMaxWidth: 18, itemStyle: {color: PALETTE[0]},
        label: {show: true, position: "right", fontSize: 12},
        data: rows.map(function (d) { return d.count; })}]
    };
  }

  function draw(card) {
    var source = document.getElementById(card.getAttribute("data-structure-stats"));
    if (!source || !window.echarts) return;
    var stats = JSON.parse(source.textContent);
    var charts = [];
    card.querySelectorAll("[data-chart]").forEach(function (el) {
      var items = stats[el.getAttribute("data-dimension")] || [];
      var kind = el.getAttribute("data-chart");
      var narrow = el.clientWidth < 520;  // six band labels side by side need about that much
      var option = kind === "pie" ? pie(items) : kind === "hbar" ? hbar(items)
        : bar(items, el.getAttribute("data-axis-name"), narrow);
      option.color = PALETTE;
      option.textStyle = {fontFamily: FONT};
      option.animation = false;
      var chart = echarts.init(el);
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  function start() { document.querySelectorAll("[data-structure-stats]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
