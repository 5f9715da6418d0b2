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

window.bwPoints = function (map, rows) {
    var layer = L.featureGroup().addTo(map);
    rows.forEach(function (r) {
        bwMarker(r, 5)
            .bindTooltip(bwTip(r, 5), {sticky: true})
            .bindPopup(bwPopup(r, 5), {maxWidth: 360})
            .addTo(layer);
    });
};

// Grid cells: [lat, lon, radius, tooltip, south, west]; a click zooms to the cell.
window.bwCells = function (map, rows, size, colour) {
    var layer = L.featureGroup().addTo(map);
    rows.forEach(function (r) {
        var zoom = function () {
            map.fitBounds([[r[4], r[5]], [r[4] + size, r[5] + size]], {maxZoom: 11});
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
// never are.
window.bwBoundaries = function (map, layers, fills, tips, borderTips, focusable) {
    // In their own pane beneath the place names, which lie beneath the incidents.
    var pane = map.getPane('bwBase') || map.createPane('bwBase');
    pane.style.zIndex = 350;
    var base = {fillOpacity: 0.9, color: '#9a9a9a', weight: 0.6};
    L.geoJSON(layers.provinces, {pane: 'bwBase',
        style: function (f) { return L.extend({fillColor: fills[f.id]}, base); },
        onEachFeature: function (f, layer) {
            layer.bindTooltip(tips[f.id], {sticky: true})
                 .bindPopup(tips[f.id], {maxWidth: 360})
                 .on('mouseover', function () { layer.setStyle({weight: 2, color: '#333'}); })
                 .on('mouseout', function () { layer.setStyle(base); });
            if (focusable) {
                bwFocusable(layer, tips[f.id], function () { layer.openPopup(); });
            } else {
                bwUnfocusable(layer);
            }
        }
    }).addTo(map);
    L.geoJSON(layers.countries, {interactive: false, pane: 'bwBase',
        style: {fill: false, color: '#555', weight: 1.2}}).addTo(map);
    L.geoJSON(layers.borders, {pane: 'bwBase',
        style: {color: '#1a1a1a', weight: 3.5, opacity: 0.9},
        onEachFeature: function (f, layer) {
            bwUnfocusable(layer.bindTooltip(borderTips[f.id], {sticky: true}));
        }
    }).addTo(map);
};

// Keep a layer out of the tab order (Chromium makes interactive SVG shapes tab stops).
window.bwUnfocusable = function (layer) {
    return layer.on('add', function () {
        var el = layer.getElement();
        if (el) { el.setAttribute('tabindex', '-1'); el.setAttribute('aria-hidden', 'true'); }
    });
};

// A fixed legend in the lower-left corner; `html` is built from escaped strings.
window.bwLegend = function (map, html) {
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
    legend.addTo(map);
};

// An exported map's context in its upper-right corner: escaped lines, the first a title.
window.bwContext = function (map, lines) {
    var ctl = L.control({position: 'topright'});
    ctl.onAdd = function () {
        var div = L.DomUtil.create('div', 'bw-context');
        div.innerHTML = '<b>' + lines[0] + '</b>' + lines.slice(1).map(function (x) {
            return '<small>' + x + '</small>'; }).join('<br>');
        return div;
    };
    ctl.addTo(map);
};

// Fit the map to the incidents, and again whenever the frame is resized until the user
// pans or zooms (Streamlit sizes the iframe after the script has run).
window.bwFit = function (map, bounds) {
    var touched = false;
    function fit() {
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
                map.fitBounds(bounds, {maxZoom: 8, animate: false});
            }
            return;
        }
        // The legend sits in the lower-left corner: keep the incidents either to its
        // right or above it, whichever shows them larger.
        var right = {paddingTopLeft: [w, 12], paddingBottomRight: [12, 12]};
        var above = {paddingTopLeft: [12, 12], paddingBottomRight: [12, h]};
        var pad = map.getBoundsZoom(bounds, false, L.point(w + 12, 24)) >=
                  map.getBoundsZoom(bounds, false, L.point(24, h + 12)) ? right : above;
        map.fitBounds(bounds, L.extend({maxZoom: 8, animate: false}, pad));
    }
    fit();
    map.getContainer().addEventListener('pointerdown', function () { touched = true; });
    map.getContainer().addEventListener('wheel', function () { touched = true; });
    var observer = new ResizeObserver(function () {
        map.invalidateSize();
        if (!touched) { fit(); }
    });
    observer.observe(map.getContainer());
    // The legend may be laid out after the map: refit when its size is known.
    var legend = map.getContainer().querySelector('.bw-legend');
    if (legend) { observer.observe(legend); }
};

// Incidents (or grid cells) period by period: play/pause, a slider, the period's label.
// Rows are [lat, lon, colour, radius, known, period, fields...] or, for cells,
// [lat, lon, colour, radius, 1, period, tooltip].
window.bwPlayback = function (map, rows, labels, interval) {
    var layer = L.layerGroup().addTo(map);
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
    ctl.addTo(map);
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
    show(0);
};

// Place names: countries, then provinces (from data.provinceZoom), then towns (each from
// its own zoom), most important first; a label that would overlap one already placed is
// skipped. Redrawn after every zoom and pan. Names are set with textContent.
window.bwLabels = function (map, data) {
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

// A place chosen in the search box: the map opens on it, ringed and named.
window.bwPlace = function (map, place) {
    map.setView([place[0], place[1]], place[3], {animate: false});
    L.circleMarker([place[0], place[1]], {radius: 11, color: '#0b3d91', weight: 3,
        fill: false, interactive: false, className: 'bw-place'}).addTo(map);
    var name = document.createElement('span');
    name.textContent = place[2];  // set as text, never as markup
    L.tooltip({permanent: true, direction: 'top', offset: [0, -10], className: 'bw-place-name'})
        .setLatLng([place[0], place[1]]).setContent(name).addTo(map);
};

// Candidate places for an ambiguous name, numbered as in the list beside the map.
window.bwCandidates = function (map, places) {
    var group = L.featureGroup().addTo(map);
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
window.bwAccess = function (map, heading, presenting) {
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
window.bwHotspots = function (map, rows) {
    var layer = L.featureGroup().addTo(map);
    rows.forEach(function (r) {
        bwFocusable(L.rectangle([[r[0], r[1]], [r[0] + r[2], r[1] + r[2]]], {
            color: r[4] ? '#111' : '#777', weight: r[4] ? 2.5 : 0.8, fillColor: r[3],
            fillOpacity: 0.8, className: 'bw-hotspot'}), r[5])
            .bindTooltip(r[5], {sticky: true})
            .addTo(layer);
    });
};
