// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    rapport::trace::start();
    // The dashboard is text and 2D canvases, and WebKitGTK paints it two to
    // three times faster without accelerated compositing where that runs in
    // software (a filter change at 1,000,000 conversations: 457 ms painted
    // with it, under 200 ms without; bench/run.py --app-redraw). Some GPU
    // drivers also show a blank window with it. Whoever sets the variable
    // (to 0 to keep compositing) keeps their choice.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        // Before any thread starts: nothing else reads the environment yet.
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    rapport_desktop::run()
}
