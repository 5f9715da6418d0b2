// Borderwatch map functions, sent once in each map page's header.
//
// Every string these functions put into the page arrives already HTML-escaped by the
// server (borderwatch/present/maps/rows.py); they only place and join it.
//
// An incident row is [lat, lon, colour, radius, known toll (1/0), fields...]; its fields
// (rows.py, incident_fields) are date, type, place, fatalities, source, then for a popup
// source link, source date, dataset, other linked records, and for the full record time
// precision, sub-event type, actors, geo precision, notes, id. Playback rows hold the
// period before the fields.

window.bwTip = function (r, i) {
    return '<b>' + r[i] + '</b> · ' + r[i + 1] + '<br>' + r[i + 2] +
           '<br>Fatalities: ' + r[i + 3] + (r[i + 4] ? '<br>Source: ' + r[i + 4] : '');
};

// The source as a link when the row has one: http(s) only, checked and escaped in Python.
window.bwSource = function (outlet, url, date) {
    var text = outlet || 'source';
    var link = url ? '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' +
        text + '</a>' : text;
    return link + (date ? ' <small>(' + date + ')</small>' : '');
};

window.bwPopup = function (r, i) {
    var f = i + 9;  // where the full record's fields start
    var full = r.length > f;
    var rows = [['Date', r[i] + (full && r[f] ? ' <small>(' + r[f] + ')</small>' : '')],
                ['Type', r[i + 1] + (full && r[f + 1] ? ' / ' + r[f + 1] : '')]];
    if (full) { rows.push(['Actors', r[f + 2]]); }
    rows.push(['Place', r[i + 2] + (full && r[f + 3] ? ' <small>(' + r[f + 3] + ')</small>' : '')],
              ['Fatalities', r[i + 3]],
              ['Source', bwSource(r[i + 4], r[i + 5], r[i + 6])],
              ['Dataset', r[i + 7]]);
    if (r[i + 8]) { rows.push(['Also reported by', r[i + 8]]); }
    if (full) { rows.push(['Notes', r[f + 4]], ['ID', r[f + 5]]); }
    return '<table class="bw-popup">' + rows.map(function (x) {
        return '<tr><th>' + x[0] + '</th><td>' + x[1] + '</td></tr>'; }).join('') +
        '</table>';
};

// A view's layers (incidents, legend, province colours...) live in one feature group,
// which streamlit-folium swaps on a filter or display change without rebuilding the map.
// `draw(t)` runs once the group is on a map, with t = {map, group, control(c)}: layers go
// into t.group, and controls added with t.control leave with the group. A map itself may
// stand in for the group (a map with no view of its own).
window.bwIn = function (group, draw) {
    if (group instanceof L.Map) {
        draw({map: group, group: group, control: function (c) { return c.addTo(group); }});
        return;
    }
    function start() {
        var map = group._map;
        setTimeout(function () { bwQuietClicks(map); }, 0);
        draw({map: map, group: group, control: function (c) {
            c.addTo(map);
            group.once('remove', function () { c.remove(); });
            return c;
        }});
    }
    if (group._map) { start(); } else { group.once('add', start); }
};

// The base layers (boundaries, place names) are laid out once, where the first view has
// framed the map: every view frames the map (bwFit, bwPlace) before it colours the
// provinces (bwProvinces), which adds them; a map with no view adds them once its script
// has run. Laid out at the map's opening view first, each would be projected twice.
window.bwBaseLater = function (map, add) {
    if (map._bwBaseDone) { add(); return; }
    map._bwBasePending = map._bwBasePending || [];
    map._bwBasePending.push(add);
    Promise.resolve().then(function () { bwBaseNow(map); });
};

window.bwBaseNow = function (map) {
    var pending = map._bwBasePending || [];
    map._bwBaseDone = true;
    map._bwBasePending = [];
    pending.forEach(function (add) { add(); });
};

// streamlit-folium tells the dashboard what the map reports whenever it differs from what
// it last told, starting from its Python defaults. Those give the click count (added in its
// pull request 319) as None where the map starts it at 0, so every map, once opened, ran the
// page again for nothing. Start from what the map reports before any click (its script runs
// before streamlit-folium's first report); a default of 0 upstream would leave this idle.
window.bwNoOpeningReport = function () {
    var data = window.__GLOBAL_DATA__;
    var before = data && data.previous_data;
    if (before && 'last_object_clicked_count' in before &&
            before.last_object_clicked_count === null && !before.last_object_clicked) {
        before.last_object_clicked_count = 0;
    }
};

// streamlit-folium reports a click on any layer back to the dashboard, which reruns the
// page for it; only the canvas layer's clicks are wanted (markers and provinces open their
// popups in the browser). Right after a view is added (streamlit-folium binds its handler
// to every layer then), unbind it from every layer but the canvas.
window.bwQuietClicks = function (map) {
    map.eachLayer(function (layer) {
        var handlers = layer._events && layer._events.click;
        if (layer._bwReports || !handlers) { return; }
        handlers.slice().forEach(function (h) {
            if (h.fn && h.fn.name === 'onLayerClick') { layer.off('click', h.fn, h.ctx); }
        });
    });
};

// The plain text of an escaped field, for an accessible name (parsed, never run).
window.bwText = function (html) {
    return new DOMParser().parseFromString(html, 'text/html').body.textContent;
};

// Give a layer's element a keyboard stop and an accessible name, and run `enter` on
// Enter or Space; `label` is escaped HTML.
window.bwFocusable = function (layer, label, enter) {
    layer.on('add', function () {
        var el = layer.getElement();
        if (!el) { return; }
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'button');
        el.setAttribute('aria-label', bwText(label));
        if (enter) {
            el.addEventListener('keydown', function (e) {
                if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); enter(); }
            });
        }
    });
    return layer;
};

// Marks of the event types: colour to SVG path (set by the page's set-up).
window.bwMarks = {};

// One incident's mark: its type's shape and colour, sized by its toll, with a dashed
// outline when the toll is unknown (not zero). A keyboard stop (Enter opens its record),
// named by its type, date, place and toll.
window.bwMarker = function (r, i) {
    var size = Math.round(2 * r[3] + 2);
    var svg = '<svg viewBox="0 0 24 24" width="' + size + '" height="' + size +
        '" aria-hidden="true" focusable="false"><path d="' +
        (bwMarks[r[2]] || bwMarks['#777777']) + '" fill="' + r[2] +
        '" fill-opacity="0.9" stroke="#1a1a1a" stroke-width="1.4" ' +
        'vector-effect="non-scaling-stroke"' + (r[4] ? '' : ' stroke-dasharray="3 2"') +
        '/></svg>';
    // The mark is sized by the toll; the target around it is at least 24 px (WCAG 2.5.8).
    var box = Math.max(size, 24);
    var icon = L.divIcon({html: svg, className: 'bw-mark bw-incident',
                          iconSize: [box, box], iconAnchor: [box / 2, box / 2]});
    var m = L.marker([r[0], r[1]], {icon: icon, keyboard: true, riseOnHover: true});
    if (i !== undefined && r.length > i + 3) {
        var label = r[i + 1] + ', ' + r[i] + ', ' + r[i + 2] + ', fatalities: ' + r[i + 3];
        m.on('add', function () { m.getElement().setAttribute('aria-label', bwText(label)); });
    }
    return m;
};

window.bwPoints = function (t, rows) {
    var layer = t.group;
    rows.forEach(function (r) {
        bwMarker(r, 5)
            .bindTooltip(bwTip(r, 5), {sticky: true})
            .bindPopup(bwPopup(r, 5), {maxWidth: 360})
            .addTo(layer);
    });
};

// Grid cells: [lat, lon, radius, tooltip, south, west]; a click zooms to the cell.
window.bwCells = function (t, rows, size, colour) {
    var layer = t.group;
    rows.forEach(function (r) {
        var zoom = function () {
            t.map.fitBounds([[r[4], r[5]], [r[4] + size, r[5] + size]], {maxZoom: 11});
        };
        bwFocusable(L.circleMarker([r[0], r[1]], {radius: r[2], color: '#7f2704', weight: 1,
            fillColor: colour, fillOpacity: 0.6, className: 'bw-cell'}), r[3], zoom)
            .bindTooltip(r[3], {sticky: true})
            .on('click', zoom)
            .addTo(layer);
    });
};

// Provinces (filled by `fills`, hover `tips`), country outlines, Afghanistan's borders.
// Provinces are keyboard stops only when `focusable` (a province display); the borders
// never are. Each view colours the provinces again (bwProvinces).
window.bwBoundaries = function (t, layers, fills, tips, borderTips, focusable) {
    bwBaseLater(t.map, function () { bwBoundariesNow(t, layers, fills, tips, borderTips, focusable); });
};

window.bwBoundariesNow = function (t, layers, fills, tips, borderTips, focusable) {
    var map = t.map;
    // In their own pane beneath the place names, which lie beneath the incidents.
    var pane = map.getPane('bwBase') || map.createPane('bwBase');
    pane.style.zIndex = 350;
    var base = {fillOpacity: 0.9, color: '#9a9a9a', weight: 0.6};
    var provinces = L.geoJSON(layers.provinces, {pane: 'bwBase',
        style: function (f) { return L.extend({fillColor: fills[f.id]}, base); },
        onEachFeature: function (f, layer) {
            layer.bindTooltip(tips[f.id], {sticky: true})
                 .bindPopup(tips[f.id], {maxWidth: 360})
                 .on('mouseover', function () { layer.setStyle({weight: 2, color: '#333'}); })
                 .on('mouseout', function () { layer.setStyle(base); });
            layer.on('add', function () {
                var el = layer.getElement();
                if (!el) { return; }
                el.addEventListener('keydown', function (e) {
                    if (el.tabIndex >= 0 && (e.key === 'Enter' || e.key === ' ')) {
                        e.preventDefault();
                        layer.openPopup();
                    }
                });
                bwProvinceFocus(layer, tips[f.id], focusable);
            });
        }
    }).addTo(map);
    map._bwProvinces = provinces;
    L.geoJSON(layers.countries, {interactive: false, pane: 'bwBase',
        style: {fill: false, color: '#555', weight: 1.2}}).addTo(map);
    L.geoJSON(layers.borders, {pane: 'bwBase',
        style: {color: '#1a1a1a', weight: 3.5, opacity: 0.9},
        onEachFeature: function (f, layer) {
            bwUnfocusable(layer.bindTooltip(borderTips[f.id], {sticky: true}));
        }
    }).addTo(map);
};

// A province as a keyboard stop named by its tooltip (a province display), or out of the
// tab order.
window.bwProvinceFocus = function (layer, tip, focusable) {
    var el = layer.getElement();
    if (!el) { return; }
    if (focusable) {
        el.setAttribute('tabindex', '0');
        el.setAttribute('role', 'button');
        el.setAttribute('aria-label', bwText(tip));
        el.removeAttribute('aria-hidden');
    } else {
        el.setAttribute('tabindex', '-1');
        el.setAttribute('aria-hidden', 'true');
        el.removeAttribute('role');
        el.removeAttribute('aria-label');
    }
};

// A view's colours and hover texts of the provinces (by feature id), and whether they are
// keyboard stops.
window.bwProvinces = function (t, fills, tips, focusable) {
    bwBaseNow(t.map);
    var provinces = t.map._bwProvinces;
    if (!provinces) { return; }
    provinces.eachLayer(function (p) {
        var id = p.feature.id;
        p.setStyle({fillColor: fills[id]});
        p.setTooltipContent(tips[id]);
        p.setPopupContent(tips[id]);
        bwProvinceFocus(p, tips[id], focusable);
    });
};

// Keep a layer out of the tab order (Chromium makes interactive SVG shapes tab stops).
window.bwUnfocusable = function (layer) {
    return layer.on('add', function () {
        var el = layer.getElement();
        if (el) { el.setAttribute('tabindex', '-1'); el.setAttribute('aria-hidden', 'true'); }
    });
};

// A fixed legend in the lower-left corner; `html` is built from escaped strings.
window.bwLegend = function (t, html) {
    var map = t.map;
    var legend = L.control({position: 'bottomleft'});
    legend.onAdd = function () {
        var div = L.DomUtil.create('div', 'bw-legend');
        var details = L.DomUtil.create('details', '', div);
        // Open unless the map is narrow (a phone), where it would hide the incidents.
        details.open = map.getSize().x >= 600;
        details.innerHTML = '<summary>Legend</summary>' + html;
        details.addEventListener('toggle', function () { map.fire('bwlegend'); });
        L.DomEvent.disableClickPropagation(div);
        return div;
    };
    t.control(legend);
};

// An exported map's context in its upper-right corner: escaped lines, the first a title.
window.bwContext = function (t, lines) {
    var ctl = L.control({position: 'topright'});
    ctl.onAdd = function () {
        var div = L.DomUtil.create('div', 'bw-context');
        div.innerHTML = '<b>' + lines[0] + '</b>' + lines.slice(1).map(function (x) {
            return '<small>' + x + '</small>'; }).join('<br>');
        return div;
    };
    t.control(ctl);
};

// Fit the map to the incidents until the user pans or zooms it: at once, whenever the
// frame or the legend is resized (Streamlit sizes the iframe after the script has run),
// and on each new view (a filter change). Once the user has moved the map, a new view
// keeps its pan and zoom.
window.bwFit = function (t, bounds) {
    var map = t.map;
    map._bwBounds = bounds;
    if (!map._bwObserver) {
        var box = map.getContainer();
        var touch = function () { map._bwTouched = true; };
        box.addEventListener('pointerdown', touch);
        box.addEventListener('wheel', touch);
        box.addEventListener('keydown', function (e) {
            if (/^(Arrow|\+|-|=)/.test(e.key)) { touch(); }
        });
        map._bwObserver = new ResizeObserver(function () {
            map.invalidateSize();
            if (!map._bwTouched) { bwFitNow(map); }
        });
        map._bwObserver.observe(box);
    }
    // The legend may be laid out after the map: refit when its size is known.
    var legend = map.getContainer().querySelector('.bw-legend');
    if (legend) { map._bwObserver.observe(legend); }
    if (!map._bwTouched) { bwFitNow(map); }
};

window.bwFitNow = function (map) {
    var bounds = map._bwBounds;
    // Keep every incident clear of the legend in the lower-left corner (Leaflet pads
    // top-left and bottom-right: reserve the legend's width on the left and its
    // height at the bottom).
    var legend = map.getContainer().querySelector('.bw-legend');
    var w = legend ? legend.offsetWidth + 12 : 12;
    var h = legend ? legend.offsetHeight + 12 : 12;
    var size = map.getSize();
    // Not laid out yet, or too small to pad: the resize observer fits again.
    if (size.x < 2 * w || size.y < 2 * h) {
        if (size.x > 0 && size.y > 0) {
            bwFrame(map, bounds, {maxZoom: 8, animate: false});
        }
        return;
    }
    // The legend sits in the lower-left corner: keep the incidents either to its
    // right or above it, whichever shows them larger.
    var right = {paddingTopLeft: [w, 12], paddingBottomRight: [12, 12]};
    var above = {paddingTopLeft: [12, 12], paddingBottomRight: [12, h]};
    var pad = map.getBoundsZoom(bounds, false, L.point(w + 12, 24)) >=
              map.getBoundsZoom(bounds, false, L.point(24, h + 12)) ? right : above;
    bwFrame(map, bounds, L.extend({maxZoom: 8, animate: false}, pad));
};

// Fit the map to `bounds`, unless it is framed so already (a refit to the same framing
// would lay every layer out again). The framing is Leaflet's own for fitBounds (a private
// method of the vendored Leaflet 1.9.3).
window.bwFrame = function (map, bounds, options) {
    var target = map._getBoundsCenterZoom(L.latLngBounds(bounds), options);
    if (map._loaded && target.zoom === map.getZoom() &&
            map.project(target.center, target.zoom).distanceTo(
                map.project(map.getCenter(), target.zoom)) < 0.5) {
        return;
    }
    map.fitBounds(bounds, options);
};

// Incidents (or grid cells) period by period: play/pause, a slider, the period's label.
// Rows are [lat, lon, colour, radius, known, period, fields...] or, for cells,
// [lat, lon, colour, radius, 1, period, tooltip].
window.bwPlayback = function (t, rows, labels, interval) {
    var layer = L.layerGroup().addTo(t.group);
    var byPeriod = labels.map(function () { return []; });
    rows.forEach(function (r) { byPeriod[r[5]].push(r); });
    var ctl = L.control({position: 'topright'});
    var state = {i: 0, timer: null};
    ctl.onAdd = function () {
        var div = L.DomUtil.create('div', 'bw-legend bw-playback');
        div.innerHTML = '<button type="button" class="bw-play">▶ Play</button> ' +
            '<input type="range" min="0" value="0" class="bw-slider"> ' +
            '<b class="bw-period"></b> <span class="bw-count"></span>';
        L.DomEvent.disableClickPropagation(div);
        return div;
    };
    t.control(ctl);
    var root = ctl.getContainer();
    var slider = root.querySelector('.bw-slider');
    var button = root.querySelector('.bw-play');
    slider.max = String(labels.length - 1);
    function show(i) {
        state.i = i;
        slider.value = String(i);
        layer.clearLayers();
        byPeriod[i].forEach(function (r) {
            var m = bwMarker(r, 6).bindTooltip(r.length > 7 ? bwTip(r, 6) : r[6],
                                               {sticky: true});
            if (r.length > 7) { m.bindPopup(bwPopup(r, 6), {maxWidth: 360}); }
            m.addTo(layer);
        });
        root.querySelector('.bw-period').textContent = labels[i];
        root.querySelector('.bw-count').textContent =
            byPeriod[i].length + (byPeriod[i].length === 1 ? ' incident' : ' incidents');
    }
    function stop() {
        clearInterval(state.timer);
        state.timer = null;
        button.textContent = '▶ Play';
    }
    button.addEventListener('click', function () {
        if (state.timer) { stop(); return; }
        if (state.i >= labels.length - 1) { show(0); }
        button.textContent = '❚❚ Pause';
        state.timer = setInterval(function () {
            if (state.i >= labels.length - 1) { stop(); return; }
            show(state.i + 1);
        }, interval);
    });
    slider.addEventListener('input', function () { stop(); show(+slider.value); });
    if (t.group !== t.map) { t.group.once('remove', stop); }
    show(0);
};

// Place names: countries, then provinces (from data.provinceZoom), then towns (each from
// its own zoom), most important first; a label that would overlap one already placed is
// skipped. Redrawn after every zoom and pan. Names are set with textContent.
window.bwLabels = function (t, data) {
    bwBaseLater(t.map, function () { bwLabelsNow(t, data); });
};

window.bwLabelsNow = function (t, data) {
    var map = t.map;
    var pane = map.getPane('bwLabels') || map.createPane('bwLabels');
    pane.style.zIndex = 380;  // above the boundaries (bwBase, 350), below the incidents
    pane.style.pointerEvents = 'none';
    var box = L.DomUtil.create('div', 'bw-labels leaflet-zoom-hide', pane);
    box.setAttribute('aria-hidden', 'true');
    var ctx = document.createElement('canvas').getContext('2d');
    var FONT = {country: '600 13px system-ui, sans-serif', province: 'italic 12px system-ui, sans-serif',
                town: '12px system-ui, sans-serif', capital: '600 12px system-ui, sans-serif'};
    var items = [];
    data.countries.forEach(function (c) {
        items.push({ll: [c[0], c[1]], text: c[2].toUpperCase(), cls: 'country', z: 0}); });
    data.provinces.forEach(function (p) {
        items.push({ll: [p[0], p[1]], text: p[2], cls: 'province', z: data.provinceZoom}); });
    data.towns.forEach(function (t) {
        items.push({ll: [t[0], t[1]], text: t[2], cls: t[4] ? 'capital' : 'town', z: t[3],
                    dot: true}); });
    items.forEach(function (it) {
        ctx.font = FONT[it.cls];
        it.w = Math.ceil(ctx.measureText(it.text).width * (it.cls === 'country' ? 1.1 : 1));
    });
    var H = 15;
    function draw() {
        box.textContent = '';
        var z = map.getZoom(), size = map.getSize(), placed = [];
        items.forEach(function (it) {
            if (it.z > z) { return; }
            var p = map.latLngToContainerPoint(it.ll);
            if (p.x < -it.w || p.y < -H || p.x > size.x + it.w || p.y > size.y + H) { return; }
            var left = it.dot ? p.x - 3 : p.x - it.w / 2;
            var r = [left - 3, p.y - H / 2 - 2, left + it.w + (it.dot ? 11 : 0) + 3, p.y + H / 2 + 2];
            for (var i = 0; i < placed.length; i++) {
                var q = placed[i];
                if (r[0] < q[2] && r[2] > q[0] && r[1] < q[3] && r[3] > q[1]) { return; }
            }
            placed.push(r);
            var el = L.DomUtil.create('div', 'bw-label bw-label-' + it.cls, box);
            el.textContent = it.text;
            var lp = map.latLngToLayerPoint(it.ll);
            L.DomUtil.setPosition(el, L.point(Math.round(it.dot ? lp.x - 3 : lp.x - it.w / 2),
                                              Math.round(lp.y - H / 2)));
        });
        box.setAttribute('data-count', String(placed.length));
    }
    map.on('zoomend moveend resize', draw);
    draw();
    if (map.attributionControl) {
        map.attributionControl.setPrefix(false);
        map.attributionControl.addAttribution(data.attribution);
    }
};

// A place chosen in the search box: the map opens on it (once: a new view of the same place
// keeps the user's pan and zoom), ringed and named.
window.bwPlace = function (t, place) {
    var map = t.map, key = JSON.stringify(place);
    if (map._bwPlace !== key) {
        map._bwPlace = key;
        map._bwTouched = true;  // the map is framed on the place, not on the incidents
        map.setView([place[0], place[1]], place[3], {animate: false});
    }
    L.circleMarker([place[0], place[1]], {radius: 11, color: '#0b3d91', weight: 3,
        fill: false, interactive: false, className: 'bw-place'}).addTo(t.group);
    var name = document.createElement('span');
    name.textContent = place[2];  // set as text, never as markup
    L.tooltip({permanent: true, direction: 'top', offset: [0, -10], className: 'bw-place-name'})
        .setLatLng([place[0], place[1]]).setContent(name).addTo(t.group);
};

// Candidate places for an ambiguous name, numbered as in the list beside the map.
window.bwCandidates = function (t, places) {
    var map = t.map, group = L.featureGroup().addTo(t.group);
    places.forEach(function (p, i) {
        var label = document.createElement('span');
        label.textContent = String(i + 1) + '. ' + p[2];  // text, never markup
        L.circleMarker([p[0], p[1]], {radius: 8, color: '#0b3d91', weight: 2,
            fillColor: '#56B4E9', fillOpacity: 0.9, className: 'bw-candidate'})
            .bindTooltip(label, {permanent: true, direction: 'right', offset: [8, 0]})
            .addTo(group);
    });
    map.fitBounds(group.getBounds().pad(0.5), {maxZoom: 9, animate: false});
};

// The map document's accessibility: a main landmark and a (visually hidden) heading,
// a named keyboard stop for the map itself (arrows pan, + and - zoom), the zoom and pan
// buttons before the incidents in the tab order, and pan buttons for those who cannot
// drag (WCAG 2.5.7).
window.bwAccess = function (t, heading, presenting) {
    var map = t.map;
    var box = map.getContainer();
    box.setAttribute('role', 'application');
    box.setAttribute('aria-roledescription', 'map');
    box.setAttribute('aria-label', heading + ': arrow keys pan, plus and minus zoom, ' +
                     'Tab reaches the zoom and pan buttons, then each incident');
    var main = box.parentElement;
    if (main && !document.querySelector('main, [role="main"]')) {
        main.setAttribute('role', 'main');
    }
    if (!document.querySelector('h1')) {
        var h = document.createElement('h1');
        h.className = 'bw-sr';
        h.textContent = heading;
        box.parentElement.insertBefore(h, box);
    }
    if (presenting) { box.classList.add('bw-presenting'); }
    // folium's header forbids zooming the page (WCAG 1.4.4): allow it.
    document.querySelectorAll('meta[name="viewport"]').forEach(function (m) {
        m.setAttribute('content', 'width=device-width, initial-scale=1');
    });
    var pan = L.control({position: 'topleft'});
    pan.onAdd = function () {
        var div = L.DomUtil.create('div', 'leaflet-bar bw-pan');
        [['', ''], ['\u2191', 'Pan north', 0, -1], ['', ''],
         ['\u2190', 'Pan west', -1, 0], ['', ''], ['\u2192', 'Pan east', 1, 0],
         ['', ''], ['\u2193', 'Pan south', 0, 1], ['', '']].forEach(function (b) {
            if (!b[1]) { L.DomUtil.create('span', '', div); return; }
            var a = L.DomUtil.create('a', '', div);
            a.href = '#'; a.textContent = b[0]; a.title = b[1];
            a.setAttribute('role', 'button'); a.setAttribute('aria-label', b[1]);
            L.DomEvent.on(a, 'click', function (e) {
                L.DomEvent.preventDefault(e);
                var s = map.getSize();
                map.panBy([b[2] * s.x / 3, b[3] * s.y / 3]);
            });
        });
        L.DomEvent.disableClickPropagation(div);
        return div;
    };
    pan.addTo(map);
    // Controls before the panes in the document, so they come first in the tab order.
    box.insertBefore(map._controlContainer, box.firstChild);
};

// Emerging hot spots on grid cells: [south, west, size, colour, emerging, hover text];
// the emerging kinds get a thick dark outline as well as their colour.
window.bwHotspots = function (t, rows) {
    var layer = t.group;
    rows.forEach(function (r) {
        bwFocusable(L.rectangle([[r[0], r[1]], [r[0] + r[2], r[1] + r[2]]], {
            color: r[4] ? '#111' : '#777', weight: r[4] ? 2.5 : 0.8, fillColor: r[3],
            fillOpacity: 0.8, className: 'bw-hotspot'}), r[5])
            .bindTooltip(r[5], {sticky: true})
            .addTo(layer);
    });
};

// The canvas layer's drawing (bwDots): marks are copied pixel by pixel into one buffer of
// premultiplied RGBA, blended over what is beneath as drawImage's source-over would, and
// put on the canvas at once. A drawImage per mark took 0.63 s for 100,000 here (a CPU
// canvas), the copies of their few dozen pixels ~0.12 s (medians of 12 draws).

// A sprite's visible pixels: their positions and premultiplied colours (also as one
// 32-bit word each, for the opaque ones, copied whole). Read once per sprite.
window.bwPixels = function (c) {
    if (c._bwPixels) { return c._bwPixels; }
    var d = c.getContext('2d', {willReadFrequently: true})
        .getImageData(0, 0, c.width, c.height).data;
    var at = [], rgba = [];
    for (var o = 0; o < d.length; o += 4) {
        var a = d[o + 3];
        if (!a) { continue; }
        at.push((o >> 2) % c.width, Math.floor((o >> 2) / c.width));
        rgba.push(Math.round(d[o] * a / 255), Math.round(d[o + 1] * a / 255),
                  Math.round(d[o + 2] * a / 255), a);
    }
    var bytes = Uint8Array.from(rgba);
    c._bwPixels = {xy: Int16Array.from(at), rgba: bytes, words: new Uint32Array(bytes.buffer),
                   n: at.length >> 1, w: c.width, h: c.height, W: 0, off: null};
    return c._bwPixels;
};
// A sprite's pixels over the buffer's (W × H, premultiplied RGBA; `words` the same
// memory as 32-bit words) at (ox, oy).
window.bwBlit = function (buf, words, W, H, s, ox, oy) {
    var xy = s.xy, rgba = s.rgba, sw = s.words, j, m = s.n, o, q, a, k;
    if (s.W !== W) {  // each pixel's offset in a buffer W wide
        s.W = W;
        s.off = new Int32Array(m);
        for (j = 0; j < m; j++) { s.off[j] = xy[2 * j + 1] * W + xy[2 * j]; }
    }
    var inside = ox >= 0 && oy >= 0 && ox + s.w <= W && oy + s.h <= H;
    var off = s.off, base = oy * W + ox;
    for (j = 0; j < m; j++) {
        if (!inside) {
            var x = ox + xy[2 * j], y = oy + xy[2 * j + 1];
            if (x < 0 || y < 0 || x >= W || y >= H) { continue; }
        }
        o = base + off[j];
        q = j << 2;
        a = rgba[q + 3];
        if (a === 255) {
            words[o] = sw[j];
        } else {
            o <<= 2;
            k = 255 - a;
            buf[o] = rgba[q] + (buf[o] * k + 127) / 255;
            buf[o + 1] = rgba[q + 1] + (buf[o + 1] * k + 127) / 255;
            buf[o + 2] = rgba[q + 2] + (buf[o + 2] * k + 127) / 255;
            buf[o + 3] = a + (buf[o + 3] * k + 127) / 255;
        }
    }
};
// The buffer's premultiplied colours made straight, as ImageData holds them.
window.bwStraight = function (buf) {
    for (var o = 0; o < buf.length; o += 4) {
        var a = buf[o + 3];
        if (a && a < 255) {
            buf[o] = Math.min(buf[o] * 255 / a + 0.5, 255);
            buf[o + 1] = Math.min(buf[o + 1] * 255 / a + 0.5, 255);
            buf[o + 2] = Math.min(buf[o + 2] * 255 / a + 0.5, 255);
        }
    }
    return new Uint8ClampedArray(buf.buffer);
};

// Many incidents on one canvas (the Points display beyond what markers can carry). The
// data is packed: per incident its position quantised to 16 bits within `spec.bbox`
// [south, west, north, east], its type (an index into spec.types: [colour, name]) and its
// toll (0 unknown, else toll + 1, 255 for 254 or more), as one base64 array
// [y u16 × n][x u16 × n][type u8 × n][toll u8 × n]. Each incident is drawn as its type's
// shape, sized by its toll, dashed when unknown; hovering names its type and toll. A click
// shows what the layer knows and reports the incident's position to the dashboard, which
// answers with the full records there (`spec.selected`: rows for bwPopup).
window.bwDots = function (t, spec) {
    var map = t.map, n = spec.n, b = spec.bbox;
    var raw = atob(spec.data), bytes = new Uint8Array(raw.length);
    for (var k = 0; k < raw.length; k++) { bytes[k] = raw.charCodeAt(k); }
    var ys = new Uint16Array(bytes.buffer, 0, n), xs = new Uint16Array(bytes.buffer, 2 * n, n);
    var types = new Uint8Array(bytes.buffer, 4 * n, n), tolls = new Uint8Array(bytes.buffer, 5 * n, n);
    var lat = function (i) { return b[0] + ys[i] * (b[2] - b[0]) / 65535; };
    var lon = function (i) { return b[1] + xs[i] * (b[3] - b[1]) / 65535; };
    // Web Mercator world coordinates (0-1) of each incident, as Leaflet's EPSG:3857.
    var wx = new Float64Array(n), wy = new Float64Array(n);
    for (var i = 0; i < n; i++) {
        var s = Math.sin(lat(i) * Math.PI / 180);
        wx[i] = (lon(i) + 180) / 360;
        wy[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    // Many marks zoomed out would cover the map: smaller then, full size from zoom 9.
    var shrink = 1;
    var size = function (code) {  // the mark's size in pixels, by toll code (unknown: smallest)
        var f = code ? code - 1 : 0;
        return Math.max(Math.round(shrink * (2 * Math.min(2.5 + 1.2 * Math.sqrt(f), 11) + 2)), 5);
    };
    var tollText = function (i) {
        return tolls[i] === 0 ? 'unknown' : tolls[i] === 255 ? '254 or more' : String(tolls[i] - 1);
    };
    var dpr = window.devicePixelRatio || 1;
    // A mark's image, kept for the page's life (a new view draws the same marks: making and
    // reading back their images again took ~4 ms a view): at most one per colour, size
    // (5 to 24 px) and dashing.
    var sprites = window.bwSprites = window.bwSprites || {};
    function sprite(type, px, known) {
        var colour = spec.types[type][0], key = colour + ':' + px + ':' + known + ':' + dpr;
        if (sprites[key]) { return sprites[key]; }
        var c = document.createElement('canvas'), pad = 2;
        c.width = c.height = Math.ceil((px + 2 * pad) * dpr);
        var ctx = c.getContext('2d', {willReadFrequently: true});  // read back: bwPixels
        ctx.scale(dpr, dpr);
        ctx.translate(pad, pad);
        ctx.scale(px / 24, px / 24);
        var path = new Path2D(bwMarks[colour] || bwMarks['#777777']);
        ctx.globalAlpha = 0.9;
        ctx.fillStyle = colour;
        ctx.fill(path);
        ctx.globalAlpha = 1;
        ctx.lineWidth = 1.3 * 24 / px;
        ctx.strokeStyle = '#1a1a1a';
        if (!known) { ctx.setLineDash([3 * 24 / px, 2 * 24 / px]); }
        ctx.stroke(path);
        sprites[key] = c;
        return c;
    }
    var px = new Float32Array(n), py = new Float32Array(n), drawn = false;
    var Layer = L.Layer.extend({
        onAdd: function () {
            this._canvas = L.DomUtil.create('canvas', 'bw-dots leaflet-zoom-hide');
            this._canvas.setAttribute('aria-hidden', 'true');
            this._canvas.style.pointerEvents = 'none';
            map.getPanes().overlayPane.appendChild(this._canvas);
            map.on('moveend zoomend resize viewreset', this._later, this);
            // On the map's element, before the provinces beneath get the event (Leaflet
            // gives a click on a province to the province alone, not to the map).
            this._onClick = L.bind(this._click, this);
            this._onMove = L.bind(this._hover, this);
            map.getContainer().addEventListener('click', this._onClick, true);
            map.getContainer().addEventListener('mousemove', this._onMove, true);
            this._draw();
        },
        onRemove: function () {
            L.DomUtil.remove(this._canvas);
            map.off('moveend zoomend resize viewreset', this._later, this);
            if (this._frame) { L.Util.cancelAnimFrame(this._frame); this._frame = null; }
            map.getContainer().removeEventListener('click', this._onClick, true);
            map.getContainer().removeEventListener('mousemove', this._onMove, true);
            if (this._tip) { map.removeLayer(this._tip); }
            map.getContainer().style.cursor = '';
        },
        // Redrawn once per frame however many of Leaflet's events come (a fit fires a
        // zoom, a move and a resize).
        _later: function () {
            var self = this;
            if (self._frame) { return; }
            self._frame = L.Util.requestAnimFrame(function () { self._frame = null; self._draw(); });
        },
        _draw: function () {
            var c = this._canvas, view = map.getSize(), zoom = map.getZoom();
            shrink = n > 5000 ? Math.min(1, Math.max(0.55, 0.55 + 0.09 * (zoom - 4))) : 1;
            var scale = map.options.crs.scale(zoom);
            var origin = map.project(map.containerPointToLatLng([0, 0]), zoom);
            c.width = Math.round(view.x * dpr);
            c.height = Math.round(view.y * dpr);
            c.style.width = view.x + 'px';
            c.style.height = view.y + 'px';
            L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
            // The marks' pixels, copied into one buffer (see bwBlit).
            var W = c.width, H = c.height, buf = new Uint8Array(W * H * 4);
            var words = new Uint32Array(buf.buffer);
            var sizes = new Uint8Array(256), images = [];  // by toll code; by type, toll code
            for (var f = 0; f < 256; f++) { sizes[f] = size(f); }
            // Marks are placed on whole pixels. The mark last drawn at each pixel is kept (its
            // type and toll code, plus one): the same mark again at the same pixel, with none
            // other drawn there since, would change nothing but its edges' opacity, and is
            // not drawn. Zoomed out, many are such.
            var w = view.x + 41, last = new Int32Array(w * (view.y + 41));
            for (var i = 0; i < n; i++) {
                var x = wx[i] * scale - origin.x, y = wy[i] * scale - origin.y;
                px[i] = x;
                py[i] = y;
                if (x < -20 || y < -20 || x > view.x + 20 || y > view.y + 20) { continue; }
                var cx = Math.round(x), cy = Math.round(y), key = types[i] * 256 + tolls[i];
                var at = (cy + 20) * w + cx + 20;
                if (last[at] === key + 1) { continue; }
                last[at] = key + 1;
                var img = images[key];
                if (!img) {
                    img = images[key] = bwPixels(sprite(types[i], sizes[tolls[i]],
                                                        tolls[i] > 0));
                }
                var h = sizes[tolls[i]] >> 1;
                bwBlit(buf, words, W, H, img, Math.round((cx - h - 2) * dpr),
                       Math.round((cy - h - 2) * dpr));
            }
            c.getContext('2d', {willReadFrequently: true})
                .putImageData(new ImageData(bwStraight(buf), W, H), 0, 0);
            drawn = true;
            c.setAttribute('data-drawn', String(n));
        },
        // The topmost incident under a container point (drawn last), or -1. A redraw still
        // waiting for its frame (the map has moved) is done first: the points' positions are
        // then those of the map as it is now.
        _hit: function (p) {
            if (this._frame) {
                L.Util.cancelAnimFrame(this._frame);
                this._frame = null;
                this._draw();
            }
            if (!drawn) { return -1; }
            for (var i = n - 1; i >= 0; i--) {
                var r = Math.max(size(tolls[i]) / 2, 6);
                if (Math.abs(px[i] - p.x) <= r && Math.abs(py[i] - p.y) <= r) { return i; }
            }
            return -1;
        },
        _summary: function (i) {
            return '<b>' + spec.types[types[i]][1] + '</b><br>Fatalities: ' + tollText(i);
        },
        // The incident under a DOM event on the map itself (not on a control, popup or
        // tooltip), or -1.
        _at: function (e) {
            if (e.target.closest && e.target.closest('.leaflet-control, .leaflet-popup')) {
                return -1;
            }
            return this._hit(map.mouseEventToContainerPoint(e));
        },
        _hover: function (e) {
            var i = this._at(e);
            map.getContainer().style.cursor = i < 0 ? '' : 'pointer';
            if (i < 0) {
                if (this._tip) { map.removeLayer(this._tip); this._tip = null; }
                return;
            }
            if (!this._tip) { this._tip = L.tooltip({direction: 'top', offset: [0, -8]}); }
            // One tooltip at a time: the province's under the pointer gives way.
            if (map._bwProvinces) {
                map._bwProvinces.eachLayer(function (p) {
                    if (p.isTooltipOpen()) { p.closeTooltip(); }
                });
            }
            this._tip.setLatLng([lat(i), lon(i)])
                .setContent(this._summary(i) + '<br><small>Click for the record</small>');
            if (!map.hasLayer(this._tip)) { this._tip.addTo(map); }
        },
        _click: function (e) {
            if (map.dragging && map.dragging.moved()) { return; }  // the end of a pan
            var i = this._at(e);
            if (i < 0) { return; }
            e.stopPropagation();  // the incident's, not the province's beneath it
            var ll = L.latLng(lat(i), lon(i));
            var live = !!window.__GLOBAL_DATA__;  // in the dashboard (streamlit-folium)
            L.popup({maxWidth: 360}).setLatLng(ll).setContent(this._summary(i) + '<br><i>' +
                (live ? 'Loading the record…' : 'The full record is in the dashboard ' +
                 'and in the CSV export.') + '</i>').openOn(map);
            // streamlit-folium reports a layer's click: the page reruns with the records.
            this.fire('click', {latlng: ll});
        }
    });
    var layer = new Layer();
    layer._bwReports = true;  // its clicks go back to the dashboard (bwQuietClicks)
    t.group.addLayer(layer);
    if (spec.selected) {
        var sel = spec.selected;
        var html = (sel.more || sel.rows.length > 1 ?
            '<p><b>' + (sel.rows.length + sel.more) + ' incidents here</b>' +
            (sel.more ? ' (the first ' + sel.rows.length + ' below; the Incidents page ' +
             'lists them all)' : '') + '</p>' : '') +
            sel.rows.map(function (r) { return bwPopup(r, 5); }).join('<hr>');
        var popup = L.popup({maxWidth: 380, maxHeight: 420})
            .setLatLng(sel.ll).setContent(html).openOn(map);
        if (t.group !== map) { t.group.once('remove', function () { map.closePopup(popup); }); }
    }
    return layer;
};
