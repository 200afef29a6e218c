"""Demo product photos for `flask seed`, drawn with Pillow (nothing is downloaded): a jar or a bottle on a
tinted backdrop, one colour per product."""
import io

from PIL import Image, ImageDraw

SIZE = 800


def demo_photo(*, hue, bottle=False):
    """A PNG of a stylised product in `hue` (an RGB tuple): a jar, or a tall bottle when `bottle`."""
    backdrop = tuple(min(255, 200 + channel // 5) for channel in hue)
    image = Image.new("RGB", (SIZE, SIZE), backdrop)
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 620, 680, 720), fill=tuple(channel * 3 // 4 for channel in backdrop))  # shadow
    if bottle:
        draw.rounded_rectangle((300, 200, 500, 660), radius=40, fill=hue)
        draw.rectangle((355, 120, 445, 210), fill=(60, 60, 60))
    else:
        draw.rounded_rectangle((200, 360, 600, 660), radius=60, fill=hue)
        draw.rounded_rectangle((180, 290, 620, 380), radius=30, fill=(235, 235, 235))
    label = (330, 430, 470, 560) if bottle else (260, 450, 540, 570)
    draw.rounded_rectangle(label, radius=16, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
