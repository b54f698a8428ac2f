//! The kernel's keepsake, exported from a wasm32 module with a plain C ABI,
//! so Node can run exactly what the browser studio will run:
//! `geometry/tests/wasm_matches_native.rs` compares its bytes with the
//! native build's, and `geometry/benches/kernel.rs` times it.
//!
//! Build: `cargo build -p geometry --example keepsake_wasm --target wasm32-unknown-unknown`.
//!
//! Protocol (see `geometry/tests/wasm/keepsake.mjs`): `alloc` room for the
//! input, copy a binary STL and a JSON `KeepsakeSpec` in, call `prepare`
//! (everything but the solid booleans) then `join` (the booleans); each
//! returns 0 on success, after which `output_ptr`/`output_len` hold the
//! keepsake as binary STL, or 1, after which they hold the error message.

use std::cell::RefCell;

use geometry::keepsake::{KeepsakeSpec, Parts, join, parts};
use geometry::text::Font;
use geometry::{Limits, io};

thread_local! {
    static PREPARED: RefCell<Option<Parts>> = const { RefCell::new(None) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Room for `len` bytes that the caller fills and later hands back to a call.
#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Gives back what `alloc` lent.
///
/// # Safety
/// `ptr` and `len` must come from one `alloc` call, freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn free(ptr: *mut u8, len: usize) {
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len) });
}

/// Reads the model and spec and computes the keepsake's parts.
///
/// # Safety
/// Both ranges must be initialised memory from `alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn prepare(stl: *const u8, stl_len: usize, spec: *const u8, spec_len: usize) -> u32 {
    let (stl, spec) =
        unsafe { (std::slice::from_raw_parts(stl, stl_len), std::slice::from_raw_parts(spec, spec_len)) };
    let outcome = (|| {
        let spec: KeepsakeSpec = serde_json::from_slice(spec).map_err(|e| e.to_string())?;
        let model = io::stl::read(stl, &Limits::default()).map_err(|e| e.to_string())?;
        parts(&model, &spec, &Font::embedded()).map_err(|e| e.to_string())
    })();
    respond(outcome.map(|prepared| {
        PREPARED.with(|slot| *slot.borrow_mut() = Some(prepared));
        Vec::new()
    }))
}

/// Joins the prepared parts into the keepsake (binary STL).
#[unsafe(no_mangle)]
pub extern "C" fn join_prepared() -> u32 {
    let prepared = PREPARED.with(|slot| slot.borrow_mut().take());
    respond(match prepared {
        Some(prepared) => join(prepared).map(|k| io::stl::write_binary(&k.mesh)).map_err(|e| e.to_string()),
        None => Err("nothing prepared".to_string()),
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn output_ptr() -> *const u8 {
    OUTPUT.with(|output| output.borrow().as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn output_len() -> usize {
    OUTPUT.with(|output| output.borrow().len())
}

fn respond(outcome: Result<Vec<u8>, String>) -> u32 {
    let (code, bytes) = match outcome {
        Ok(bytes) => (0, bytes),
        Err(message) => (1, message.into_bytes()),
    };
    OUTPUT.with(|output| *output.borrow_mut() = bytes);
    code
}
