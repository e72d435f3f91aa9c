//! The layer rule: nothing below the GUI names egui or the GUI module.

#[test]
fn core_layers_do_not_name_the_gui() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for layer in ["model", "sim", "cli"] {
        for entry in std::fs::read_dir(root.join(layer)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for banned in ["egui", "eframe", "crate::gui"] {
                assert!(
                    !text.contains(banned),
                    "{} names `{banned}`",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 5);
}
