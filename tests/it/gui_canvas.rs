//! The canvas driven through egui_kittest (no GPU): wiring, a refused wiring, moving a
//! node, box selection, a drop from the palette, the links drawn as the exported
//! diagram routes them, and an idle canvas that stops asking for frames (so
//! `Harness::run` settles).

use egui::{Event, Modifiers, PointerButton, Pos2, pos2, vec2};
use egui_kittest::Harness;
use spillway::gui::canvas::Canvas;
use spillway::gui::commands::{Command, Editor, Selection};
use spillway::model::{Component, ComponentKind, LinkKind, Station, from_ron_str};

struct State {
    canvas: Canvas,
    editor: Editor,
    selection: Selection,
    commands: Vec<Command>,
}

const DESIGN: &str = r#"(
    components: [
        (id: "src", kind: Producer()),
        (id: "work", kind: Station()),
        (id: "end", kind: Sink()),
        (id: "dlq", kind: DeadLetterQueue()),
    ],
    connections: [(from: "src", to: "work")],
    layout: {
        "src": (0.0, 0.0),
        "work": (260.0, 0.0),
        "end": (520.0, 0.0),
        "dlq": (520.0, 160.0),
    },
)"#;

fn harness() -> Harness<'static, State> {
    let state = State {
        canvas: Canvas::new(),
        editor: Editor::new(from_ron_str(DESIGN).unwrap(), None),
        selection: Selection::default(),
        commands: Vec::new(),
    };
    let mut h = Harness::builder()
        .with_size(vec2(1000.0, 600.0))
        .build_ui_state(
            |ui, s: &mut State| {
                let cmds = s
                    .canvas
                    .ui(ui, s.editor.doc(), s.editor.revision(), &mut s.selection);
                for c in &cmds {
                    s.editor.apply(c);
                }
                s.commands.extend(cmds);
            },
            state,
        );
    h.run_steps(3);
    h
}

fn at(h: &Harness<'_, State>, id: &str) -> Pos2 {
    h.state().canvas.screen_position(id).unwrap()
}

/// Press at `from`, move in steps to `to`, release there, with `modifiers` held.
fn drag(h: &mut Harness<'_, State>, from: Pos2, to: Pos2, modifiers: Modifiers) {
    h.event(Event::ModifiersChanged(modifiers));
    h.event(Event::PointerMoved(from));
    h.step();
    h.event(Event::PointerButton {
        pos: from,
        button: PointerButton::Primary,
        pressed: true,
        modifiers,
    });
    h.step();
    for k in 1..=5 {
        let p = from + (to - from) * (k as f32 / 5.0);
        h.event(Event::PointerMoved(p));
        h.step();
    }
    h.event(Event::PointerButton {
        pos: to,
        button: PointerButton::Primary,
        pressed: false,
        modifiers,
    });
    h.step();
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.run_steps(2);
}

fn click(h: &mut Harness<'_, State>, p: Pos2, modifiers: Modifiers) {
    h.event(Event::ModifiersChanged(modifiers));
    h.event(Event::PointerMoved(p));
    h.step();
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos: p,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        });
        h.step();
    }
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.step();
}

#[test]
fn every_component_is_drawn_where_the_layout_says() {
    let h = harness();
    let (src, work) = (at(&h, "src"), at(&h, "work"));
    // saved positions are kept exactly: same row, 260 units apart at the fitted zoom
    assert!((src.y - work.y).abs() < 0.01);
    assert!(work.x > src.x);
    assert_eq!(h.state().canvas.position("work"), Some([260.0, 0.0]));
    assert!(h.state().commands.is_empty());
}

#[test]
fn alt_dragging_from_one_component_to_another_connects_them() {
    let mut h = harness();
    let (work, end) = (at(&h, "work"), at(&h, "end"));
    drag(&mut h, work, end, Modifiers::ALT);
    let s = h.state();
    assert_eq!(s.commands.len(), 1, "{:?}", s.commands);
    let Command::Connect(c) = &s.commands[0] else {
        panic!("{:?}", s.commands)
    };
    assert_eq!((c.from.as_str(), c.to.as_str()), ("work", "end"));
    assert_eq!(c.kind, LinkKind::Delivery);
    assert_eq!(s.editor.doc().connections.len(), 2);
    // nothing moved
    assert_eq!(s.editor.doc().layout["work"], [260.0, 0.0]);
}

#[test]
fn dragging_the_handle_to_a_dead_letter_queue_makes_a_dead_letter_link() {
    let mut h = harness();
    h.state_mut().selection.only_component("work");
    h.run_steps(2);
    let work = at(&h, "work");
    let zoom_w = at(&h, "end").x - work.x; // 260 units on screen
    let handle = work + vec2(spillway::gui::look::NODE_W / 2.0 * zoom_w / 260.0, 0.0);
    let dlq = at(&h, "dlq");
    drag(&mut h, handle, dlq, Modifiers::NONE);
    let s = h.state();
    assert!(
        matches!(&s.commands[..], [Command::Connect(c)] if c.kind == LinkKind::DeadLetter && c.to == "dlq"),
        "{:?}",
        s.commands
    );
}

#[test]
fn wiring_out_of_a_sink_is_refused_with_the_reason() {
    let mut h = harness();
    let (end, work) = (at(&h, "end"), at(&h, "work"));
    drag(&mut h, end, work, Modifiers::ALT);
    let s = h.state();
    assert!(s.commands.is_empty(), "{:?}", s.commands);
    let status = s.canvas.status.clone().unwrap_or_default();
    assert!(
        status.contains("a Sink sends nothing on; it cannot have outgoing links"),
        "{status}"
    );
    assert_eq!(s.editor.doc().connections.len(), 1);
}

#[test]
fn dragging_a_node_is_one_move_of_the_selection() {
    let mut h = harness();
    let work = at(&h, "work");
    let end = at(&h, "end");
    let scale = (end.x - work.x) / 260.0; // screen points per graph unit
    // select work and end, then drag work: both move, in one command
    click(&mut h, work, Modifiers::NONE);
    click(&mut h, end, Modifiers::SHIFT);
    assert_eq!(h.state().selection.components.len(), 2);
    assert!(h.state().commands.is_empty(), "clicks do not move");
    drag(
        &mut h,
        work,
        work + vec2(0.0, 100.0 * scale),
        Modifiers::NONE,
    );
    let s = h.state();
    assert_eq!(s.commands.len(), 1, "{:?}", s.commands);
    let Command::Move(moves) = &s.commands[0] else {
        panic!("{:?}", s.commands)
    };
    let get = |id: &str| {
        moves
            .iter()
            .find(|(m, _)| m == id)
            .map(|(_, p)| *p)
            .unwrap()
    };
    assert!((get("work")[1] - 100.0).abs() < 1.0, "{moves:?}");
    assert!((get("end")[1] - 100.0).abs() < 1.0, "{moves:?}");
    assert!(moves.iter().all(|(id, _)| id != "src"));
    assert_eq!(s.editor.undo_label(), Some("Move 2 components"));
}

#[test]
fn snapping_puts_a_moved_node_on_the_grid() {
    let mut h = harness();
    h.state_mut().canvas.snap = true;
    let work = at(&h, "work");
    drag(&mut h, work, work + vec2(17.0, 33.0), Modifiers::NONE);
    let p = h.state().editor.doc().layout["work"];
    assert!(p[0] % 20.0 == 0.0 && p[1] % 20.0 == 0.0, "{p:?}");
}

#[test]
fn clicks_select_and_shift_drag_on_empty_space_selects_a_box() {
    let mut h = harness();
    let src = at(&h, "src");
    click(&mut h, src, Modifiers::NONE);
    assert_eq!(
        h.state().selection.components.iter().collect::<Vec<_>>(),
        ["src"]
    );
    // click on the link src -> work selects connection 0
    let mid = src + (at(&h, "work") - src) * 0.5;
    click(&mut h, mid, Modifiers::NONE);
    assert!(h.state().selection.components.is_empty());
    assert_eq!(
        h.state().selection.connections.iter().collect::<Vec<_>>(),
        [&0]
    );
    // empty space clears
    click(&mut h, pos2(src.x, src.y + 200.0), Modifiers::NONE);
    assert!(h.state().selection.is_empty());
    // a box around end and dlq
    let (end, dlq) = (at(&h, "end"), at(&h, "dlq"));
    drag(
        &mut h,
        end + vec2(-150.0, -60.0),
        dlq + vec2(150.0, 60.0),
        Modifiers::SHIFT,
    );
    let sel: Vec<&String> = h.state().selection.components.iter().collect();
    assert_eq!(sel, ["dlq", "end"]);
    assert!(h.state().commands.is_empty());
}

#[test]
fn a_palette_drop_adds_the_component_where_it_is_dropped() {
    let mut h = harness();
    let work = at(&h, "work");
    let end = at(&h, "end");
    let scale = (end.x - work.x) / 260.0;
    let target = work + vec2(0.0, 200.0 * scale);
    let payload = Component {
        id: "work".to_owned(),
        name: String::new(),
        kind: ComponentKind::Station(Station::default()),
    };
    h.event(Event::PointerMoved(target));
    h.step();
    egui::DragAndDrop::set_payload(&h.ctx, payload);
    h.step();
    h.event(Event::PointerButton {
        pos: target,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    h.run_steps(2);
    let s = h.state();
    let [Command::Add { components, .. }] = &s.commands[..] else {
        panic!("{:?}", s.commands)
    };
    let (c, p) = &components[0];
    assert_eq!(c.id, "work-2", "the id is made unique");
    assert!(
        (p[0] - 260.0).abs() < 1.5 && (p[1] - 200.0).abs() < 1.5,
        "{p:?}"
    );
    assert!(s.selection.components.contains("work-2"));
    assert_eq!(s.editor.doc().components.len(), 5);
}

#[test]
fn components_without_a_saved_position_are_placed_but_not_written_until_a_move() {
    let mut doc = from_ron_str(DESIGN).unwrap();
    doc.layout.clear();
    let mut h = harness();
    h.state_mut().editor.replace(doc, None);
    h.run_steps(3);
    assert!(h.state().editor.doc().layout.is_empty());
    let src = at(&h, "src");
    drag(&mut h, src, src + vec2(0.0, 40.0), Modifiers::NONE);
    // the move freezes every shown position
    assert_eq!(h.state().editor.doc().layout.len(), 4);
}

#[test]
fn an_idle_canvas_settles_and_draws_the_graph_only_when_something_changes() {
    let mut h = harness();
    // settles: no frame asks for another once nothing changes (egui_graphs asks every
    // time it draws)
    h.run();
    let drawn = h.state().canvas.graph_draws();
    h.run_steps(5);
    assert_eq!(h.state().canvas.graph_draws(), drawn, "no input, no redraw");
    // hovering draws (the hovered node's outline and handle)
    let work = at(&h, "work");
    h.event(Event::PointerMoved(work));
    h.run();
    let hovered = h.state().canvas.graph_draws();
    assert!(hovered > drawn);
    // so does a selection made elsewhere (another panel), without any input here
    h.state_mut().selection.only_component("end");
    h.run();
    assert!(h.state().canvas.graph_draws() > hovered);
    let settled = h.state().canvas.graph_draws();
    h.run_steps(3);
    assert_eq!(h.state().canvas.graph_draws(), settled);
}

#[test]
fn links_are_drawn_as_the_exported_diagram_routes_them() {
    let mut h = harness();
    let doc = h.state().editor.doc().clone();
    let picture = spillway::diagram::layout(&doc);
    let route = h
        .state()
        .canvas
        .link_route(0)
        .expect("src -> work is routed");
    assert_eq!(route.path, picture.edges[0].path);
    assert_eq!(route.label_center, picture.edges[0].label_center);
    // moving a node bends its links along while it moves, before anything is saved
    let work = at(&h, "work");
    let end = at(&h, "end");
    let scale = (end.x - work.x) / 260.0;
    let to = work + vec2(0.0, 120.0 * scale);
    h.event(Event::PointerMoved(work));
    h.step();
    h.event(Event::PointerButton {
        pos: work,
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    h.step();
    for k in 1..=4 {
        h.event(Event::PointerMoved(work + (to - work) * (k as f32 / 4.0)));
        h.step();
    }
    let moved = h.state().canvas.link_route(0).unwrap().path;
    let mut expected = doc.clone();
    expected.layout.insert("work".into(), [260.0, 120.0]);
    let want = spillway::diagram::layout(&expected).edges[0].path;
    for (a, b) in moved.iter().zip(&want) {
        assert!(
            (a[0] - b[0]).abs() < 1.0 && (a[1] - b[1]).abs() < 1.0,
            "{moved:?} vs {want:?}"
        );
    }
    assert!(
        h.state().commands.is_empty(),
        "nothing saved before the release"
    );
}

#[test]
fn a_resized_canvas_fits_again_unless_the_user_moved_the_view() {
    let mut h = harness();
    let width = |h: &Harness<'_, State>| at(h, "end").x - at(h, "src").x;
    let wide = width(&h);
    // the window (or a panel) makes the canvas smaller: the design is fitted again
    h.set_size(vec2(600.0, 400.0));
    h.run_steps(3);
    let narrow = width(&h);
    assert!(narrow < wide * 0.8, "{wide} -> {narrow}");
    let b = h.state().canvas.drawn_boxes().clone();
    for (id, r) in &b.nodes {
        assert!(
            b.canvas.contains_rect(*r),
            "{id} out of view after the resize"
        );
    }
    // the user zooms in: a later resize keeps the user's view
    let src = at(&h, "src");
    h.event(Event::PointerMoved(src));
    h.event(Event::Zoom(1.5));
    h.run_steps(2);
    let zoomed = width(&h);
    assert!(zoomed > narrow * 1.3, "{narrow} -> {zoomed}");
    h.set_size(vec2(900.0, 600.0));
    h.run_steps(3);
    assert!((width(&h) - zoomed).abs() < 0.5, "the user's zoom was kept");
}

#[test]
fn the_hint_line_keeps_the_hints_that_fit_and_cuts_none() {
    let mut h = harness();
    let full = h.state().canvas.drawn_boxes().hint.clone().unwrap().0;
    h.set_size(vec2(420.0, 400.0));
    h.run_steps(3);
    let d = h.state().canvas.drawn_boxes().clone();
    let (short, r) = d.hint.unwrap();
    assert!(d.canvas.contains_rect(r), "{short:?} {r:?} {:?}", d.canvas);
    assert!(short.len() < full.len(), "{short}");
    // the hints kept are whole ones, from the start
    assert!(full.starts_with(&short), "{short} / {full}");
    assert!(
        full[short.len()..].starts_with(" · "),
        "cut mid-hint: {short}"
    );
}
