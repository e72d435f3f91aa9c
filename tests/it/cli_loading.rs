//! Loading through the command line: encodings, sizes and parse errors give exit code 1
//! and a message naming the file and the place in the user's terms.

use crate::common::{stderr_of, succeed, temp_file};

const MM1: &str = include_str!("../../examples/mm1.ron");

#[test]
fn encodings_are_named() {
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in MM1.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let f = temp_file("loading", "utf16.ron", &utf16);
    let err = stderr_of(&["check", f.to_str().unwrap()], 1);
    assert!(
        err.contains(&format!(
            "{} looks like UTF-16 (little-endian); save it as UTF-8",
            f.display()
        )),
        "{err}"
    );

    let f = temp_file("loading", "latin1.ron", b"(\n  name: \"caf\xE9\",\n)\n");
    let err = stderr_of(&["run", f.to_str().unwrap()], 1);
    assert!(
        err.contains("is not valid UTF-8 at byte offset 14 (line 2, column 13); save it as UTF-8"),
        "{err}"
    );

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(MM1.as_bytes());
    let f = temp_file("loading", "bom.ron", &bom);
    succeed(&["check", f.to_str().unwrap()]);
}

#[test]
fn huge_files_are_refused_with_their_size() {
    let f = temp_file("loading", "huge.ron", b"");
    std::fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let err = stderr_of(&["check", f.to_str().unwrap()], 1);
    assert!(
        err.contains("is 100.0 MiB; a design file may be at most 64 MiB"),
        "{err}"
    );
    std::fs::remove_file(&f).unwrap();
}

#[test]
fn type_errors_say_what_the_field_takes() {
    let f = temp_file(
        "loading",
        "types.ron",
        b"(\n    components: [\n        (id: \"s\", kind: Station(servers: 2.5)),\n    ],\n)\n",
    );
    let err = stderr_of(&["check", f.to_str().unwrap()], 1);
    assert!(
        err.contains(&format!(
            "component `s`: `servers` must be a whole number from 0 to 4294967295, found `2.5` at line 3, column 42 in {}",
            f.display()
        )),
        "{err}"
    );
}

#[test]
fn overrides_and_durations_say_what_they_take() {
    let err = stderr_of(
        &[
            "run",
            "examples/mm1.ron",
            "--set",
            "server.servers=99999999999999999999999",
        ],
        1,
    );
    assert!(
        err.contains(
            "`servers` must be a whole number from 0 to 4294967295, found `99999999999999999999999`"
        ),
        "{err}"
    );
    let err = stderr_of(&["run", "examples/mm1.ron", "--duration", "1h30"], 2);
    assert!(
        err.contains("`30` in `1h30` has no unit: write 30ms, 30s, 30m, 30h or 30d"),
        "{err}"
    );
    let err = stderr_of(&["run", "examples/mm1.ron", "--duration", "1e308"], 2);
    assert!(
        err.contains("duration `1e308` is longer than 100 years"),
        "{err}"
    );
}
