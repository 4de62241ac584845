// Command iconpng draws assets/icon.svg as the PNG that packaging needs
// (fyne package takes a PNG for the Linux bundle and the Windows .ico):
//
//	go run ./tools/iconpng -size 512 -o assets/icon.png
//
// It draws with the SVG renderer Fyne itself uses (oksvg), so the
// packaged icon looks like the one in the window. The output is committed; run it again
// after changing the SVG.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"regexp"
	"strconv"

	"github.com/fyne-io/oksvg"
	"github.com/gancho-app/gancho/assets"
	"github.com/srwiley/rasterx"
)

func main() {
	size := flag.Int("size", 512, "width and height in pixels")
	out := flag.String("o", "assets/icon.png", "PNG file to write")
	flag.Parse()
	if err := draw(*size, *out); err != nil {
		fmt.Fprintln(os.Stderr, "iconpng:", err)
		os.Exit(1)
	}
}

func draw(size int, out string) error {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(scaled(assets.Icon, size)))
	if err != nil {
		return fmt.Errorf("read the SVG: %w", err)
	}
	icon.SetTarget(0, 0, float64(size), float64(size))
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	icon.Draw(rasterx.NewDasher(size, size, rasterx.NewScannerGV(size, size, img, img.Bounds())), 1)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}

// scaled is the 256-unit SVG with its stroke widths multiplied for size:
// oksvg scales the shapes to the target size but keeps stroke widths in
// pixels (a transform does not scale them either), which thins the hook's
// line at 512 px.
func scaled(svg []byte, size int) []byte {
	k := float64(size) / 256
	return strokeWidth.ReplaceAllFunc(svg, func(m []byte) []byte {
		w, err := strconv.ParseFloat(string(strokeWidth.FindSubmatch(m)[1]), 64)
		if err != nil {
			return m
		}
		return fmt.Appendf(nil, `stroke-width="%g"`, w*k)
	})
}

var strokeWidth = regexp.MustCompile(`stroke-width="([0-9.]+)"`)
