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

// One incident's circle, in its type's colour and sized by its toll; a dashed outline
// when the toll is unknown (not zero).
window.bwMarker = function (r) {
    return L.circleMarker([r[0], r[1]], {radius: r[3], color: '#333', weight: 1,
        dashArray: r[4] ? null : '3 2', fillColor: r[2], fillOpacity: 0.85,
        className: 'bw-incident'});
};

window.bwPoints = function (map, rows) {
    var layer = L.featureGroup().addTo(map);
    rows.forEach(function (r) {
        bwMarker(r)
            .bindTooltip(bwTip(r, 5), {sticky: true})
            .bindPopup(bwPopup(r, 5), {maxWidth: 360})
            .on('mouseover', function () { this.setStyle({weight: 3}); })
            .on('mouseout', function () { this.setStyle({weight: 1}); })
            .addTo(layer);
    });
};

// Grid cells: [lat, lon, radius, tooltip, south, west]; a click zooms to the cell.
window.bwCells = function (map, rows, size, colour) {
    var layer = L.featureGroup().addTo(map);
    rows.forEach(function (r) {
        L.circleMarker([r[0], r[1]], {radius: r[2], color: '#7f2704', weight: 1,
            fillColor: colour, fillOpacity: 0.6, className: 'bw-cell'})
            .bindTooltip(r[3], {sticky: true})
            .on('click', function () {
                map.fitBounds([[r[4], r[5]], [r[4] + size, r[5] + size]], {maxZoom: 11});
            })
            .addTo(layer);
    });
};

// Provinces (filled by `fills`, hover `tips`), country outlines, Afghanistan's borders.
window.bwBoundaries = function (map, layers, fills, tips, borderTips) {
    var base = {fillOpacity: 0.9, color: '#9a9a9a', weight: 0.6};
    L.geoJSON(layers.provinces, {
        style: function (f) { return L.extend({fillColor: fills[f.id]}, base); },
        onEachFeature: function (f, layer) {
            layer.bindTooltip(tips[f.id], {sticky: true})
                 .bindPopup(tips[f.id], {maxWidth: 360})
                 .on('mouseover', function () { layer.setStyle({weight: 2, color: '#333'}); })
                 .on('mouseout', function () { layer.setStyle(base); });
        }
    }).addTo(map);
    L.geoJSON(layers.countries, {interactive: false,
        style: {fill: false, color: '#555', weight: 1.2}}).addTo(map);
    L.geoJSON(layers.borders, {
        style: {color: '#1a1a1a', weight: 3.5, opacity: 0.9},
        onEachFeature: function (f, layer) { layer.bindTooltip(borderTips[f.id], {sticky: true}); }
    }).addTo(map);
};

// A fixed legend in the lower-left corner; `html` is built from escaped strings.
window.bwLegend = function (map, html) {
    var legend = L.control({position: 'bottomleft'});
    legend.onAdd = function () {
        var div = L.DomUtil.create('div', 'bw-legend');
        div.innerHTML = html;
        return div;
    };
    legend.addTo(map);
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
        map.fitBounds(bounds, {maxZoom: 8, paddingTopLeft: [w, 12],
                               paddingBottomRight: [12, h], animate: false});
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
            var m = bwMarker(r).bindTooltip(r.length > 7 ? bwTip(r, 6) : r[6], {sticky: true});
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
