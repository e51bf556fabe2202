// A text file handed to the browser as a download. The desktop app saves
// through the shell's dialog (`ipc.saveTextFile`); only the development mock,
// running in a plain browser, comes here.

export function downloadTextFile(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
