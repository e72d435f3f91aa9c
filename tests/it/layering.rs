//! The layer rule: nothing below the GUI names egui or the GUI module.

#[test]
fn core_layers_do_not_name_the_gui() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    let mut dirs: Vec<std::path::PathBuf> = [
        "model", "sim", "cost", "insight", "diagram", "export", "cli",
    ]
    .iter()
    .map(|l| root.join(l))
    .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
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
