package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/sync/errgroup"
)

// Long work behind a modal progress dialog: a bar or spinner, what is
// happening, and a button that cancels the work's context.

// working shows a progress dialog titled title over body and a cancel
// button labelled stop; the context ends when the button or Escape is
// pressed, or done is called. done hides the dialog; call it on the Fyne
// goroutine.
func (dl *dialogs) working(title, stop string, body ...fyne.CanvasObject) (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancel(context.Background())
	body = append(body, widget.NewButtonWithIcon(stop, theme.CancelIcon(), cancel))
	prog := dialog.NewCustomWithoutButtons(title, container.NewVBox(body...), dl.win)
	// Escape stops the work as the button does; the dialog stays until the
	// work has ended and says so (done), as after the button.
	dl.presentKeyed(prog, nil, cancel)
	return ctx, func() {
		cancel()
		prog.Hide()
	}
}

// runOne runs op off the Fyne goroutine behind a progress dialog that can
// cancel it. A failure is shown as a sentence, unless the person stopped
// the work (Cancel or Escape): they know. after is then called on the Fyne
// goroutine with op's message ("" when it failed or was stopped).
func (dl *dialogs) runOne(title string, op func(context.Context) (string, error), after func(msg string)) {
	ctx, done := dl.working(title+"…", "Cancel", widget.NewProgressBarInfinite())
	go func() {
		msg, err := op(ctx)
		stopped := ctx.Err() != nil // before done, which ends ctx too
		do(func() {
			done()
			if err != nil {
				if !stopped {
					dl.showError(errors.New(Sentence(err)))
				}
				msg = ""
			}
			after(msg)
		})
	}()
}

// runEach runs op for each key, eight at a time, behind a progress bar
// that can cancel them, and then says how many succeeded ("3 files
// restored."); after is called once that is shown.
func (dl *dialogs) runEach(title string, keys []string, op func(context.Context, string) error, done string, after func()) {
	bar := widget.NewProgressBar()
	bar.Max = float64(len(keys))
	ctx, hide := dl.working(title+" "+plural(len(keys), "file")+"…", "Cancel", bar)
	go func() {
		var (
			mu         sync.Mutex
			okCount, n int
			firstErr   error
		)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for _, k := range keys {
			g.Go(func() error {
				err := op(gctx, k)
				mu.Lock()
				n++
				if err == nil {
					okCount++
				} else if firstErr == nil {
					firstErr = err
				}
				count := n
				mu.Unlock()
				do(func() { bar.SetValue(float64(count)) })
				return nil
			})
		}
		_ = g.Wait()
		do(func() {
			hide()
			msg := fmt.Sprintf("%s %s.", capitalize(plural(okCount, "file")), done)
			if firstErr != nil {
				msg += fmt.Sprintf(" %d failed: %s", len(keys)-okCount, Sentence(firstErr))
			}
			dl.showInfo(title, msg)
			after()
		})
	}()
}
