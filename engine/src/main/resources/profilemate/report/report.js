/* ProfileMate report: draws every [data-chart] element from the JSON data island. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var A = data.analyses;
  var COLORS = ['#2563eb', '#c2410c', '#7c3aed', '#0f766e', '#b91c1c', '#a16207', '#4d7c0f', '#be185d', '#475569'];
  var PHASE = {prefill: '#c2410c', decode: '#2563eb', mixed: '#7c3aed'};

  /** Text for an HTML tooltip: every string from the session is escaped here. */
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function n(v) { return v === null || v === undefined || isNaN(v) ? null : v; }
  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) { return 'n/a'; }
    var a = Math.abs(v);
    return a === 0 || a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(4);
  }
  function base(extra) {
    var o = {
      animation: false, color: COLORS,
      grid: {left: 60, right: 28, top: 40, bottom: 56, containLabel: false},
      tooltip: {trigger: 'axis', confine: true},
      legend: {top: 4, type: 'scroll'}
    };
    for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { o[k] = extra[k]; } }
    return o;
  }
  /* Every timeline counts seconds from the session start (the files' timestamps do), from 0 to the
     session's end, so charts line up and the wait before vLLM's first step is visible. */
  var SESSION_SEC = n(data.session && data.session.duration_sec);
  function timeAxis() {
    return {type: 'value', name: 'seconds since the session started', nameLocation: 'middle', nameGap: 28, min: 0,
      max: function (v) { return niceCeil(SESSION_SEC === null ? v.max : Math.max(v.max, SESSION_SEC)); }};
  }
  /** The axis end: the session's end rounded up to a half step of its magnitude (6.33 → 6.5, 30 → 30). */
  function niceCeil(v) {
    if (!(v > 0)) { return v; }
    var step = Math.pow(10, Math.floor(Math.log10(v))) / 2;
    return parseFloat((Math.ceil(v / step - 1e-9) * step).toPrecision(6));
  }
  function zoom() { return [{type: 'inside'}, {type: 'slider', height: 14, bottom: 4}]; }
  function line(name, points, extra) {
    var s = {name: name, type: 'line', showSymbol: points.length < 60, symbolSize: 4, sampling: 'lttb', data: points};
    for (var k in extra || {}) { s[k] = extra[k]; }
    return s;
  }
  function valueTip(unit) {
    return function (params) {
      var list = Array.isArray(params) ? params : [params];
      var head = list.length && list[0].axisValueLabel !== undefined ? esc(list[0].axisValueLabel) + '<br>' : '';
      return head + list.map(function (p) {
        var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
        return p.marker + esc(p.seriesName) + ': ' + esc(fmt(v)) + (unit ? ' ' + esc(unit) : '');
      }).join('<br>');
    };
  }

  var charts = {
    kv_usage: function () {
      return base({
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('%')},
        xAxis: timeAxis(), yAxis: {type: 'value', name: '%', min: 0, max: 100}, dataZoom: zoom(),
        series: [line('KV usage', A.kv.usage_over_time, {
          areaStyle: {opacity: 0.12},
          markArea: {silent: true, itemStyle: {color: 'rgba(30,122,52,0.10)'}, data: [[{yAxis: 60}, {yAxis: 80}]]},
          markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed', color: '#b3261e'},
            label: {formatter: '{c}%', position: 'insideEndTop'}, data: [{yAxis: 40}, {yAxis: 90}]}
        })]
      });
    },
    graph_replays: function () {
      var g = A.graphs.graphs;
      return base({
        grid: {left: 150, right: 28, top: 30, bottom: 36},
        legend: {show: false},
        tooltip: {trigger: 'item', confine: true, formatter: function (p) {
          return esc(g[p.dataIndex].label) + '<br>replays: ' + esc(p.value);
        }},
        xAxis: {type: 'value', name: 'replays'},
        yAxis: {type: 'category', inverse: true, data: g.map(function (x) { return x.runtime_mode + ' ' + x.num_tokens + ' tok'; })},
        series: [{name: 'replays', type: 'bar', barMaxWidth: 18,
          data: g.map(function (x) { return {value: x.replay_count, itemStyle: {color: x.replay_count === 0 ? '#b3261e' : COLORS[0]}}; })}]
      });
    },
    graph_sizes: function () {
      var c = A.graphs.capture_sizes;
      var top = Math.max.apply(null, c.observed.map(function (p) { return p[1]; }).concat([1]));
      var rec = c.recommended ? c.recommended.sizes : [];
      return base({
        tooltip: {trigger: 'item', confine: true, formatter: function (p) {
          return esc(p.seriesName) + '<br>' + esc(p.value[0]) + ' tokens' + (p.seriesIndex === 0 ? ': ' + esc(p.value[1]) + ' steps' : '');
        }},
        xAxis: {type: 'value', name: 'tokens per step', nameLocation: 'middle', nameGap: 28, min: 0},
        yAxis: {type: 'value', name: 'steps'}, dataZoom: zoom(),
        series: [
          {name: 'steps seen', type: 'bar', barMaxWidth: 10, data: c.observed},
          {name: 'captured now', type: 'scatter', symbol: 'triangle', symbolSize: 9, itemStyle: {color: '#6b7280'},
            data: c.current_sizes.map(function (s) { return [s, top * 1.06]; })},
          {name: 'recommended', type: 'scatter', symbol: 'diamond', symbolSize: 10, itemStyle: {color: '#1e7a34'},
            data: rec.map(function (s) { return [s, top * 1.14]; })}
        ]
      });
    },
    step_percentiles: function () {
      var ph = A.steps.phases;
      return base({
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('ms')},
        xAxis: {type: 'category', data: ph.map(function (p) { return p.phase; })},
        yAxis: {type: 'value', name: 'ms'},
        series: ['p50', 'p95', 'p99'].map(function (k) {
          return {name: k.toUpperCase(), type: 'bar', barMaxWidth: 28,
            data: ph.map(function (p) { return n(p.forward_ms[k]); })};
        })
      });
    },
    step_times: function () {
      var s = A.steps.step_time_over_time;
      return base({
        tooltip: {trigger: 'item', confine: true, formatter: function (p) {
          return esc(p.seriesName) + ' at ' + esc(fmt(p.value[0])) + ' s: ' + esc(fmt(p.value[1])) + ' ms';
        }},
        xAxis: timeAxis(), yAxis: {type: 'value', name: 'ms'}, dataZoom: zoom(),
        series: Object.keys(s).map(function (k) {
          return {name: k, type: 'scatter', symbolSize: 5, large: s[k].length > 2000, data: s[k],
            itemStyle: PHASE[k] ? {color: PHASE[k]} : undefined};
        })
      });
    },
    efficiency: function () {
      var ph = A.efficiency.phases;
      return base({
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('%')},
        xAxis: {type: 'category', data: ph.map(function (p) { return p.phase; })},
        yAxis: {type: 'value', name: '% of peak'},
        series: [
          {name: 'MFU', type: 'bar', barMaxWidth: 28, data: ph.map(function (p) { return n(p.mfu_pct); })},
          {name: 'MBU (memory bandwidth)', type: 'bar', barMaxWidth: 28, data: ph.map(function (p) { return n(p.mbu_pct); })}
        ]
      });
    },
    cpu_breakdown: function () {
      return pie('CPU ms', A.cpu.operations.map(function (o) { return {name: o.operation, value: n(o.duration_ms.total)}; }), 'ms');
    },
    batch_utilization: function () {
      return base({
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('%')},
        xAxis: timeAxis(), yAxis: {type: 'value', name: '%', min: 0, max: 100}, dataZoom: zoom(),
        series: [line('token utilisation', A.batch.token_utilization_over_time),
          line('sequence utilisation', A.batch.seq_utilization_over_time)]
      });
    },
    queues: function () {
      return base({
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('requests')},
        xAxis: timeAxis(), yAxis: {type: 'value', name: 'requests', minInterval: 1}, dataZoom: zoom(),
        series: [line('running', A.batch.running_over_time, {step: 'end'}),
          line('waiting', A.batch.waiting_over_time, {step: 'end', areaStyle: {opacity: 0.15}})]
      });
    },
    preemption_reasons: function () {
      var r = A.preemption.reasons;
      var keys = Object.keys(r);
      return base({
        legend: {show: false},
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('preemptions')},
        xAxis: {type: 'category', data: keys}, yAxis: {type: 'value', name: 'preemptions', minInterval: 1},
        series: [{name: 'preemptions', type: 'bar', barMaxWidth: 36, itemStyle: {color: '#b3261e'},
          data: keys.map(function (k) { return r[k]; })}]
      });
    },
    request_timeline: function () {
      var t = A.preemption.timelines;
      var ids = t.map(function (r) { return r.request_id; });
      function start(r) { return n(r.arrival_sec) !== null ? r.arrival_sec : (n(r.started_sec) || 0); }
      function seg(a, b) { return n(a) === null || n(b) === null ? 0 : Math.max(0, b - a); }
      var offset = t.map(start);
      var queue = t.map(function (r) { return seg(start(r), r.started_sec); });
      var prefill = t.map(function (r) { return seg(r.started_sec, n(r.first_token_sec) !== null ? r.first_token_sec : r.finished_sec); });
      var decode = t.map(function (r) { return seg(r.first_token_sec, r.finished_sec); });
      var pre = [];
      t.forEach(function (r, i) { if (n(r.preempted_sec) !== null) { pre.push([r.preempted_sec, i]); } });
      return base({
        grid: {left: 110, right: 28, top: 36, bottom: 56},
        tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, confine: true, formatter: function (ps) {
          var r = t[ps[0].dataIndex];
          return esc(r.request_id) + '<br>arrival ' + esc(fmt(r.arrival_sec)) + ' s, started ' + esc(fmt(r.started_sec))
            + ' s<br>first token ' + esc(fmt(r.first_token_sec)) + ' s, finished ' + esc(fmt(r.finished_sec)) + ' s'
            + '<br>preemptions ' + esc(r.preemptions);
        }},
        legend: {top: 4, data: ['queue wait', 'to first token', 'decode', 'preempted']},
        xAxis: timeAxis(),
        yAxis: {type: 'category', inverse: true, data: ids, axisLabel: {width: 100, overflow: 'truncate'}},
        dataZoom: [{type: 'inside', yAxisIndex: 0}, {type: 'slider', yAxisIndex: 0, width: 12, right: 4}],
        series: [
          {name: 'offset', type: 'bar', stack: 'r', itemStyle: {color: 'transparent'}, emphasis: {disabled: true},
            tooltip: {show: false}, data: offset},
          {name: 'queue wait', type: 'bar', stack: 'r', itemStyle: {color: '#a16207'}, data: queue},
          {name: 'to first token', type: 'bar', stack: 'r', itemStyle: {color: '#c2410c'}, data: prefill},
          {name: 'decode', type: 'bar', stack: 'r', itemStyle: {color: '#2563eb'}, data: decode},
          {name: 'preempted', type: 'scatter', symbol: 'path://M0,0L10,10M10,0L0,10', symbolSize: 9,
            itemStyle: {color: '#b3261e', borderColor: '#b3261e', borderWidth: 2}, data: pre}
        ]
      });
    },
    moe_heatmap: function () {
      var layers = A.moe.per_layer.map(function (l) { return l.layer; });
      var index = {};
      layers.forEach(function (l, i) { index[l] = i; });
      var cells = A.moe.heatmap.map(function (c) { return [c[0], index[c[1]], c[2]]; });
      return heatmap(range(A.moe.experts), layers.map(String), cells, 'expert', 'layer', '% of tokens');
    },
    moe_coselection: function () {
      return heatmap(range(A.moe.experts), range(A.moe.experts), A.moe.coselection, 'expert', 'expert', 'tokens');
    },
    moe_imbalance: function () {
      var s = A.moe.imbalance_over_time;
      return base({
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('max/min')},
        xAxis: timeAxis(), yAxis: {type: 'value', name: 'max/min'}, dataZoom: zoom(),
        series: Object.keys(s).map(function (k, i) {
          return line(k, s[k], i === 0 ? {markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed', color: '#1e7a34'},
            label: {formatter: 'balanced < {c}', position: 'insideEndTop'}, data: [{yAxis: A.moe.balanced_below_ratio}]}} : {});
        })
      });
    },
    moe_router_weights: function () {
      var b = A.moe.router_weights;
      return base({
        legend: {show: false},
        tooltip: {trigger: 'axis', confine: true, formatter: valueTip('choices')},
        xAxis: {type: 'category', name: 'weight', nameLocation: 'middle', nameGap: 28,
          data: b.map(function (x) { return x[0].toFixed(2) + '–' + x[1].toFixed(2); })},
        yAxis: {type: 'value', name: 'choices'},
        series: [{name: 'expert choices', type: 'bar', barMaxWidth: 40, data: b.map(function (x) { return x[2]; })}]
      });
    },
    encdec_split: function () {
      return pie('ms', A.encoder_decoder.components.map(function (c) { return {name: c.component, value: n(c.duration_ms.total)}; }), 'ms');
    },
    kernel_categories_nsys: function () { return kernelCategories(timeline('nsys')); },
    kernel_categories_trace: function () { return kernelCategories(timeline('trace')); },
    kernel_top_nsys: function () { return kernelTop(timeline('nsys')); },
    kernel_top_trace: function () { return kernelTop(timeline('trace')); },
    kernel_phases_nsys: function () { return kernelPhases(timeline('nsys')); },
    kernel_phases_trace: function () { return kernelPhases(timeline('trace')); },
    kernel_graphs_nsys: function () { return kernelGraphs(timeline('nsys')); },
    kernel_graphs_trace: function () { return kernelGraphs(timeline('trace')); },
    kernel_idle_nsys: function () { return kernelIdle(timeline('nsys')); },
    kernel_idle_trace: function () { return kernelIdle(timeline('trace')); },
    ncu_throughput: function () { return ncuThroughput(A.kernels.roofline); },
    ncu_roofline: function () { return ncuRoofline(A.kernels.roofline); }
  };

  /* Kernel sections: every name shown in a tooltip goes through esc(); axis labels are canvas text. */
  var CATEGORY = {attention: '#2563eb', gemm: '#c2410c', moe: '#7c3aed', norm: '#0f766e', activation: '#a16207',
    rope: '#4d7c0f', communication: '#b91c1c', sampling: '#be185d', quantize: '#0891b2', 'memcpy/memset': '#6b7280',
    other: '#94a3b8'};
  function categoryColor(c, i) { return CATEGORY[c] || COLORS[i % COLORS.length]; }
  function timeline(source) {
    var t = A.kernels.timelines.filter(function (x) { return x.source === source; })[0];
    if (!t) { throw new Error('no ' + source + ' timeline in the report data'); }
    return t;
  }
  function clip(s, max) { s = String(s); return s.length > max ? s.slice(0, max - 1) + '…' : s; }
  function kernelCategories(t) {
    var c = t.categories;
    return base({
      grid: {left: 110, right: 40, top: 20, bottom: 40},
      legend: {show: false},
      tooltip: {trigger: 'item', confine: true, formatter: function (p) {
        var x = c[p.dataIndex];
        return esc(x.category) + ': ' + esc(fmt(x.ms)) + ' ms<br>' + esc(fmt(x.gpu_time_pct)) + '% of GPU time, '
          + (n(x.kernel_time_pct) === null ? '' : esc(fmt(x.kernel_time_pct)) + '% of kernel time, ')
          + esc(x.instances) + ' executions';
      }},
      xAxis: {type: 'value', name: 'ms'},
      yAxis: {type: 'category', inverse: true, data: c.map(function (x) { return x.category; })},
      series: [{name: 'GPU time', type: 'bar', barMaxWidth: 18,
        label: {show: true, position: 'right', formatter: function (p) {
          var v = c[p.dataIndex].gpu_time_pct;
          return v.toFixed(v < 1 ? 2 : 1) + '%';
        }},
        data: c.map(function (x, i) { return {value: n(x.ms), itemStyle: {color: categoryColor(x.category, i)}}; })}]
    });
  }
  function kernelTop(t) {
    var k = t.top_kernels;
    return base({
      grid: {left: 250, right: 40, top: 20, bottom: 40},
      legend: {show: false},
      tooltip: {trigger: 'item', confine: true, formatter: function (p) {
        var x = k[p.dataIndex];
        return esc(clip(x.name, 300)) + '<br>' + esc(x.category) + ': ' + esc(fmt(x.total_ms)) + ' ms ('
          + esc(fmt(x.time_pct)) + '% of kernel time), ' + esc(x.instances) + ' executions, median '
          + esc(fmt(x.median_us)) + ' µs';
      }},
      xAxis: {type: 'value', name: 'ms'},
      yAxis: {type: 'category', inverse: true, axisLabel: {width: 230, overflow: 'truncate'},
        data: k.map(function (x, i) { return (i + 1) + '. ' + x.base_name; })},
      series: [{name: 'total time', type: 'bar', barMaxWidth: 14,
        data: k.map(function (x, i) { return {value: n(x.total_ms), itemStyle: {color: categoryColor(x.category, i)}}; })}]
    });
  }
  function kernelPhases(t) {
    var ph = t.phases.phases;
    var series = t.phases.categories.map(function (c, i) {
      return {name: c, type: 'bar', stack: 'gpu', barMaxWidth: 40, itemStyle: {color: categoryColor(c, i)},
        data: ph.map(function (p) {
          var hit = p.categories.filter(function (x) { return x.category === c; })[0];
          return hit ? n(hit.ms) : 0;
        })};
    });
    if (ph.some(function (p) { return p.graph_launch_ms > 0; })) {
      series.push({name: 'CUDA graph launches', type: 'bar', stack: 'gpu', barMaxWidth: 40,
        itemStyle: {color: '#1e7a34'}, data: ph.map(function (p) { return n(p.graph_launch_ms); })});
    }
    return base({
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, confine: true, formatter: valueTip('ms')},
      xAxis: {type: 'category', data: ph.map(function (p) { return p.phase; }), axisLabel: {interval: 0, width: 120, overflow: 'truncate'}},
      yAxis: {type: 'value', name: 'ms'},
      series: series
    });
  }
  function kernelGraphs(t) {
    var g = t.graphs;
    return pie('ms', [{name: 'from CUDA graphs', value: n(g.graph_ms), itemStyle: {color: '#1e7a34'}},
      {name: 'launched one by one', value: n(g.eager_kernel_ms), itemStyle: {color: '#94a3b8'}}], 'ms');
  }
  function kernelIdle(t) {
    var d = t.idle.devices;
    var ranges = d.length ? d[0].gaps_by_size.map(function (b) { return b.range; }) : [];
    return base({
      tooltip: {trigger: 'item', confine: true, formatter: function (p) {
        var b = d[p.seriesIndex].gaps_by_size[p.dataIndex];
        return 'GPU ' + esc(d[p.seriesIndex].device) + ', gaps ' + esc(b.range) + ': ' + esc(b.count) + ' gaps, '
          + esc(fmt(b.ms)) + ' ms idle';
      }},
      xAxis: {type: 'category', name: 'gap size', nameLocation: 'middle', nameGap: 28, data: ranges},
      yAxis: {type: 'value', name: 'ms idle'},
      series: d.map(function (dev) {
        return {name: 'GPU ' + dev.device, type: 'bar', barMaxWidth: 36,
          data: dev.gaps_by_size.map(function (b) { return n(b.ms); })};
      })
    });
  }
  function ncuThroughput(r) {
    var k = r.top_kernels;
    return base({
      grid: {left: 250, right: 30, top: 36, bottom: 40},
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, confine: true, formatter: function (ps) {
        var x = k[ps[0].dataIndex];
        return esc(clip(x.name, 300)) + '<br>' + esc(x.bound) + '-bound, ' + esc(fmt(x.time_pct)) + '% of profiled time'
          + '<br>DRAM ' + esc(fmt(x.dram_gbps)) + ' GB/s = ' + esc(fmt(x.dram_pct_of_peak)) + '% of peak<br>SM throughput '
          + esc(fmt(x.sm_pct)) + '%';
      }},
      xAxis: {type: 'value', name: '% of peak', nameLocation: 'middle', nameGap: 24, min: 0, max: 100},
      yAxis: {type: 'category', inverse: true, axisLabel: {width: 230, overflow: 'truncate'},
        data: k.map(function (x, i) { return (i + 1) + '. ' + x.base_name; })},
      series: [
        {name: 'DRAM bandwidth', type: 'bar', barMaxWidth: 10, data: k.map(function (x) { return n(x.dram_pct_of_peak); }),
          markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed', color: '#6b7280'},
            label: {formatter: 'latency below 60%', position: 'insideEndTop'}, data: [{xAxis: 60}]}},
        {name: 'SM throughput', type: 'bar', barMaxWidth: 10, data: k.map(function (x) { return n(x.sm_pct); })}
      ]
    });
  }
  function ncuRoofline(r) {
    var pts = r.roofline;
    var g = r.gpu || {};
    var bw = n(g.dram_gbps);
    var fp32 = n(g.fp32_tflops) === null ? null : g.fp32_tflops * 1000;
    var tensor = n(g.tensor_tflops) === null ? null : g.tensor_tflops * 1000;
    var xs = pts.map(function (p) { return p.flop_per_byte; });
    var ys = pts.map(function (p) { return p.gflops; });
    var xmin = Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, xs.concat([0.1])))));
    var xmax = Math.pow(10, Math.ceil(Math.log10(Math.max.apply(null, xs.concat([(n(g.ridge_tensor) || 10) * 4])))));
    var series = [{name: 'kernels', type: 'scatter', symbolSize: function (v) { return 6 + Math.sqrt(Math.max(0, v[2])) * 3; },
      itemStyle: {color: COLORS[0], opacity: 0.8},
      data: pts.map(function (p) { return [p.flop_per_byte, p.gflops, p.time_pct]; })}];
    function roof(name, peak, color) {
      var ridge = peak / bw;
      series.push({name: name, type: 'line', showSymbol: false, silent: true, lineStyle: {color: color, width: 2},
        data: [[xmin, xmin * bw], [ridge, peak], [xmax, peak]]});
      series.push({name: name + ' ridge', type: 'scatter', symbol: 'diamond', symbolSize: 10, itemStyle: {color: color}, z: 1,
        label: {show: true, position: 'top', formatter: 'ridge ' + fmt(ridge) + ' FLOP/B'}, data: [[ridge, peak]]});
    }
    if (bw !== null && fp32 !== null) { roof('FP32 roof', fp32, '#b91c1c'); }
    if (bw !== null && tensor !== null) { roof('BF16 tensor roof', tensor, '#7c3aed'); }
    if (bw !== null && fp32 === null) {
      series.push({name: 'DRAM bandwidth', type: 'line', showSymbol: false, silent: true, lineStyle: {color: '#b91c1c'},
        data: [[xmin, xmin * bw], [xmax, xmax * bw]]});
    }
    var ymin = Math.pow(10, Math.floor(Math.log10(Math.max(1e-3, Math.min.apply(null, ys.concat([xmin * (bw || 1)]))))));
    return base({
      grid: {left: 70, right: 30, top: 56, bottom: 56},
      legend: {top: 4, type: 'scroll', data: series.filter(function (x) { return !/ ridge$/.test(x.name); })
        .map(function (x) { return x.name; })},
      tooltip: {trigger: 'item', confine: true, formatter: function (p) {
        if (p.seriesIndex !== 0) { return esc(p.seriesName); }
        var x = pts[p.dataIndex];
        return esc(clip(x.name, 300)) + '<br>' + esc(fmt(x.flop_per_byte)) + ' FLOP/byte, ' + esc(fmt(x.gflops))
          + ' GFLOP/s, ' + esc(fmt(x.time_pct)) + '% of profiled time<br>' + esc(x.side || '') + ' side of the FP32 ridge';
      }},
      xAxis: {type: 'log', name: 'FLOP per DRAM byte', nameLocation: 'middle', nameGap: 28, min: xmin, max: xmax},
      yAxis: {type: 'log', name: 'GFLOP/s', min: ymin},
      series: series
    });
  }

  function range(k) { var r = []; for (var i = 0; i < k; i++) { r.push(String(i)); } return r; }
  function pie(name, items, unit) {
    return {
      animation: false, color: COLORS, legend: {top: 4, type: 'scroll'},
      tooltip: {trigger: 'item', confine: true, formatter: function (p) {
        return esc(p.name) + ': ' + esc(fmt(p.value)) + ' ' + esc(unit) + ' (' + esc(fmt(p.percent)) + '%)';
      }},
      series: [{name: name, type: 'pie', radius: ['35%', '68%'], center: ['50%', '56%'], data: items,
        label: {formatter: '{b}: {d}%'}}]
    };
  }
  function heatmap(xs, ys, cells, xName, yName, unit) {
    var max = 0;
    cells.forEach(function (c) { if (c[2] > max) { max = c[2]; } });
    return {
      animation: false,
      grid: {left: 60, right: 24, top: 24, bottom: 86},
      tooltip: {trigger: 'item', confine: true, formatter: function (p) {
        return esc(xName) + ' ' + esc(xs[p.value[0]]) + ', ' + esc(yName) + ' ' + esc(ys[p.value[1]]) + ': '
          + esc(fmt(p.value[2])) + ' ' + esc(unit);
      }},
      xAxis: {type: 'category', name: xName, nameLocation: 'middle', nameGap: 24, data: xs, splitArea: {show: true}},
      yAxis: {type: 'category', name: yName, data: ys, splitArea: {show: true}},
      visualMap: {min: 0, max: max || 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 4,
        itemHeight: 120, inRange: {color: ['#f7fbff', '#6baed6', '#08306b']}},
      series: [{name: unit, type: 'heatmap', data: cells, emphasis: {itemStyle: {borderColor: '#000', borderWidth: 1}}}]
    };
  }

  /* The triggered-capture windows (capture_windows.csv), shaded on every chart over session time. */
  var CAPTURE_AREAS = ((A.captures && A.captures.windows) || []).map(function (w) {
    return [{xAxis: w.start_sec, name: w.id}, {xAxis: w.end_sec}];
  });
  function withCaptures(option) {
    var x = Array.isArray(option.xAxis) ? option.xAxis[0] : option.xAxis;
    if (!CAPTURE_AREAS.length || !x || x.name !== timeAxis().name) { return option; }
    option.series = (option.series || []).concat([{name: 'triggered capture', type: 'line', data: [],
      itemStyle: {color: 'rgba(185,28,28,0.5)'},
      markArea: {silent: true, itemStyle: {color: 'rgba(185,28,28,0.10)'}, label: {show: false}, data: CAPTURE_AREAS}}]);
    return option;
  }

  var instances = [];
  Array.prototype.forEach.call(document.querySelectorAll('[data-chart]'), function (el) {
    var name = el.getAttribute('data-chart');
    try {
      if (!charts[name]) { throw new Error('no chart named ' + name); }
      var chart = echarts.init(el, null, {renderer: 'canvas'});
      chart.setOption(withCaptures(charts[name]()));
      instances.push(chart);
      el.setAttribute('data-drawn', 'true');
    } catch (e) {
      el.setAttribute('data-drawn', 'false');
      el.textContent = 'This chart could not be drawn: ' + e;
      window.__errors.push(name + ': ' + e);
      console.error('chart ' + name + ': ' + e);
    }
  });
  window.addEventListener('resize', function () { instances.forEach(function (c) { c.resize(); }); });
  document.body.setAttribute('data-report-status', 'rendered');
  window.__reportReady = true;
})();
