//! The autoencoder's 3-D code cloud as plain data, so that it is tested natively: the points
//! centred and scaled, turned by yaw and pitch, and painted into one RGBA image, far points
//! first. The page (`app::codes_3d`) puts that image on its canvas in one call and draws the
//! drawing's marker over it.
//!
//! Painted here rather than with a canvas call per point: the page redraws the cloud after every
//! analysis of a drawing, 20 times a second while it turns, and on every drag; 3,000 pairs of
//! `fillStyle` (a string crossing from wasm and parsed as a colour) and `fillRect` took 3.1 ms of
//! the page's main thread per redraw in a profile, this way 0.8 ms.

/// The canvas's side in pixels.
pub const SIDE: usize = 320;
/// tab10, the usual colours of the ten digits in such plots.
pub const PALETTE: [[u8; 3]; 10] = [
    [0x1f, 0x77, 0xb4],
    [0xff, 0x7f, 0x0e],
    [0x2c, 0xa0, 0x2c],
    [0xd6, 0x27, 0x28],
    [0x94, 0x67, 0xbd],
    [0x8c, 0x56, 0x4b],
    [0xe3, 0x77, 0xc2],
    [0x7f, 0x7f, 0x7f],
    [0xbc, 0xbd, 0x22],
    [0x17, 0xbe, 0xcf],
];
const BACKGROUND: [u8; 3] = [0x0d, 0x11, 0x17];
/// A point is a square of this many pixels a side.
const POINT: usize = 3;
/// The unit ball's radius on the canvas.
const RADIUS: f64 = SIDE as f64 * 0.42;

/// A colour as CSS writes it.
pub fn css_colour([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The test points, centred and scaled to the unit ball, and how to undo that.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cloud {
    pub points: Vec<([f32; 3], u8)>,
    centre: [f32; 3],
    scale: f32,
}

impl Cloud {
    pub fn new(codes: &[f32], labels: &[u8]) -> Self {
        let n = labels.len().max(1) as f32;
        let mut centre = [0.0f32; 3];
        for code in codes.chunks_exact(3) {
            (0..3).for_each(|i| centre[i] += code[i] / n);
        }
        // Scale by the 95th percentile of distances, not the largest: a few outlying codes
        // would otherwise shrink the whole cloud to a speck.
        let mut radii: Vec<f32> =
            codes.chunks_exact(3).map(|c| (0..3).map(|i| (c[i] - centre[i]).powi(2)).sum::<f32>().sqrt()).collect();
        radii.sort_by(f32::total_cmp);
        let scale = radii.get(radii.len() * 95 / 100).copied().unwrap_or(1.0).max(1e-6);
        let points = codes
            .chunks_exact(3)
            .zip(labels)
            .map(|(c, &l)| ([(c[0] - centre[0]) / scale, (c[1] - centre[1]) / scale, (c[2] - centre[2]) / scale], l))
            .collect();
        Self { points, centre, scale }
    }

    /// A code in the cloud's units.
    pub fn normalise(&self, code: &[f32]) -> [f32; 3] {
        [0, 1, 2].map(|i| (code[i] - self.centre[i]) / self.scale)
    }

    /// The code at a point in the cloud's units.
    pub fn code_of(&self, p: [f32; 3]) -> [f32; 3] {
        [0, 1, 2].map(|i| p[i] * self.scale + self.centre[i])
    }

    /// The cloud turned by `yaw` and `pitch` as `SIDE` x `SIDE` RGBA pixels: the background,
    /// then each point as a square in its digit's colour, far ones first so that near ones
    /// cover them.
    pub fn paint(&self, yaw: f32, pitch: f32) -> Vec<u8> {
        // `repeat` copies in doubling blocks; an iterator of pixels took milliseconds in the
        // page's size-built module.
        let mut rgba = [BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 255].repeat(SIDE * SIDE);
        let mut turned: Vec<([f32; 3], u8)> = self.points.iter().map(|&(p, l)| (rotate(p, yaw, pitch), l)).collect();
        turned.sort_by(|a, b| a.0[2].total_cmp(&b.0[2]));
        for (r, label) in turned {
            let (x, y) = to_screen(r);
            paint_square(&mut rgba, x, y, PALETTE[label as usize % PALETTE.len()]);
        }
        rgba
    }
}

/// A point's square, centred on (`x`, `y`), clipped to the canvas.
fn paint_square(rgba: &mut [u8], x: f64, y: f64, [r, g, b]: [u8; 3]) {
    let half = POINT as f64 / 2.0;
    let (left, top) = ((x - half).round(), (y - half).round());
    let span = |start: f64| {
        let first = start.clamp(0.0, SIDE as f64) as usize;
        let end = (start + POINT as f64).clamp(0.0, SIDE as f64) as usize;
        first..end
    };
    for row in span(top) {
        for column in span(left) {
            let at = (row * SIDE + column) * 4;
            rgba[at..at + 4].copy_from_slice(&[r, g, b, 255]);
        }
    }
}

/// Rotation by yaw (about the vertical axis) then pitch; returns (x, y, depth).
pub fn rotate(p: [f32; 3], yaw: f32, pitch: f32) -> [f32; 3] {
    let (x, z1) = (yaw.cos() * p[0] + yaw.sin() * p[2], -yaw.sin() * p[0] + yaw.cos() * p[2]);
    [x, pitch.cos() * p[1] - pitch.sin() * z1, pitch.sin() * p[1] + pitch.cos() * z1]
}

/// The inverse of `rotate`.
pub fn unrotate(r: [f32; 3], yaw: f32, pitch: f32) -> [f32; 3] {
    let (y, z1) = (pitch.cos() * r[1] + pitch.sin() * r[2], -pitch.sin() * r[1] + pitch.cos() * r[2]);
    [yaw.cos() * r[0] - yaw.sin() * z1, y, yaw.sin() * r[0] + yaw.cos() * z1]
}

/// Where a turned point lands on the canvas.
pub fn to_screen(r: [f32; 3]) -> (f64, f64) {
    let centre = SIDE as f64 / 2.0;
    (centre + r[0] as f64 * RADIUS, centre - r[1] as f64 * RADIUS)
}

/// The point in the cloud's units under canvas position (`x`, `y`), on the plane through the
/// cloud's centre facing the viewer.
pub fn from_screen(x: f64, y: f64, yaw: f32, pitch: f32) -> [f32; 3] {
    let centre = SIDE as f64 / 2.0;
    unrotate([((x - centre) / RADIUS) as f32, (-(y - centre) / RADIUS) as f32, 0.0], yaw, pitch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(rgba: &[u8], x: usize, y: usize) -> [u8; 4] {
        let at = (y * SIDE + x) * 4;
        rgba[at..at + 4].try_into().unwrap()
    }

    #[test]
    fn unrotate_inverts_rotate() {
        let p = [0.3, -0.7, 0.2];
        let back = unrotate(rotate(p, 0.9, -0.4), 0.9, -0.4);
        assert!((0..3).all(|i| (back[i] - p[i]).abs() < 1e-5));
    }

    #[test]
    fn a_click_finds_the_point_painted_there() {
        let (yaw, pitch) = (0.6, 0.35);
        let p = rotate([0.5, -0.25, 0.0], yaw, pitch);
        let (x, y) = to_screen([p[0], p[1], 0.0]);
        let back = rotate(from_screen(x, y, yaw, pitch), yaw, pitch);
        assert!((back[0] - p[0]).abs() < 1e-5 && (back[1] - p[1]).abs() < 1e-5);
    }

    #[test]
    fn near_points_cover_far_ones_and_the_rest_is_background() {
        // Two codes on the viewer's axis, one nearer (larger depth), and two to set the scale.
        let codes = [0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0];
        let near_first = Cloud::new(&codes, &[3, 5, 0, 0]);
        let rgba = near_first.paint(0.0, 0.0);
        assert_eq!(rgba.len(), SIDE * SIDE * 4);
        let centre = SIDE / 2;
        assert_eq!(pixel(&rgba, centre, centre), [0xd6, 0x27, 0x28, 255], "class 3 is nearer: painted last");
        // The same points the other way round, in the list: the nearer one still wins.
        let near_last =
            Cloud::new(&[codes[3..6].to_vec(), codes[..3].to_vec(), codes[6..].to_vec()].concat(), &[5, 3, 0, 0]);
        assert_eq!(pixel(&near_last.paint(0.0, 0.0), centre, centre), [0xd6, 0x27, 0x28, 255]);
        assert_eq!(pixel(&rgba, 5, 5), [0x0d, 0x11, 0x17, 255]);
        // Turned half round, the other point is the nearer.
        assert_eq!(pixel(&near_first.paint(std::f32::consts::PI, 0.0), centre, centre), [0x8c, 0x56, 0x4b, 255]);
    }

    #[test]
    fn points_off_the_canvas_are_clipped() {
        // Twenty codes together set the scale; the twenty-first lands far outside the canvas.
        let codes: Vec<f32> = [[0.0, 0.0, 0.0]; 20].into_iter().chain([[1000.0, 1000.0, 0.0]]).flatten().collect();
        let labels: Vec<u8> = [1; 20].into_iter().chain([2]).collect();
        let rgba = Cloud::new(&codes, &labels).paint(0.0, 0.0);
        assert_eq!(rgba.len(), SIDE * SIDE * 4);
        let painted = |colour: [u8; 3]| rgba.chunks_exact(4).filter(|p| p[..3] == colour).count();
        assert_eq!(painted(PALETTE[1]), POINT * POINT);
        assert_eq!(painted(PALETTE[2]), 0);
    }

    #[test]
    fn css_colours_are_hex() {
        assert_eq!(css_colour(PALETTE[1]), "#ff7f0e");
    }
}
