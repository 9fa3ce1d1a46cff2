"""Real category metadata of the datasets the tiny sets imitate (ids, names, label sets)."""

IMAGENET_CLASSES = [
    ('n01440764', 'tench'),
    ('n01443537', 'goldfish'),
    ('n01484850', 'great white shark'),
    ('n01491361', 'tiger shark'),
    ('n01494475', 'hammerhead'),
    ('n01496331', 'electric ray'),
    ('n01498041', 'stingray'),
    ('n01514668', 'cock'),
    ('n01514859', 'hen'),
    ('n01518878', 'ostrich'),
]
"""The first 10 ImageNet-1k classes (label = position), WordNet id and first name."""

_COCO = """1 person person|2 bicycle vehicle|3 car vehicle|4 motorcycle vehicle|
5 airplane vehicle|6 bus vehicle|7 train vehicle|8 truck vehicle|9 boat vehicle|
10 traffic_light outdoor|11 fire_hydrant outdoor|13 stop_sign outdoor|
14 parking_meter outdoor|15 bench outdoor|16 bird animal|17 cat animal|18 dog animal|
19 horse animal|20 sheep animal|21 cow animal|22 elephant animal|23 bear animal|
24 zebra animal|25 giraffe animal|27 backpack accessory|28 umbrella accessory|
31 handbag accessory|32 tie accessory|33 suitcase accessory|34 frisbee sports|
35 skis sports|36 snowboard sports|37 sports_ball sports|38 kite sports|
39 baseball_bat sports|40 baseball_glove sports|41 skateboard sports|
42 surfboard sports|43 tennis_racket sports|44 bottle kitchen|46 wine_glass kitchen|
47 cup kitchen|48 fork kitchen|49 knife kitchen|50 spoon kitchen|51 bowl kitchen|
52 banana food|53 apple food|54 sandwich food|55 orange food|56 broccoli food|
57 carrot food|58 hot_dog food|59 pizza food|60 donut food|61 cake food|
62 chair furniture|63 couch furniture|64 potted_plant furniture|65 bed furniture|
67 dining_table furniture|70 toilet furniture|72 tv electronic|73 laptop electronic|
74 mouse electronic|75 remote electronic|76 keyboard electronic|
77 cell_phone electronic|78 microwave appliance|79 oven appliance|
80 toaster appliance|81 sink appliance|82 refrigerator appliance|84 book indoor|
85 clock indoor|86 vase indoor|87 scissors indoor|88 teddy_bear indoor|
89 hair_drier indoor|90 toothbrush indoor"""

COCO_CATEGORIES = [
    dict(supercategory=sup, id=int(i), name=name.replace('_', ' '))
    for i, name, sup in (item.split() for item in _COCO.replace('\n', '').split('|'))
]
"""The 80 COCO 2017 detection categories with their real ids and supercategories."""

COCO_KEYPOINTS = [
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
    'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle'
]
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
                 [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
                 [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
"""COCO person keypoint names and 1-based skeleton, as in person_keypoints_*.json."""

LVIS_CATEGORIES = [
    ('airplane', 'airplane.n.01', 'airplane, aeroplane, plane'),
    ('apple', 'apple.n.01', 'fruit with red or yellow or green skin'),
    ('backpack', 'backpack.n.01', 'a bag carried by a strap on your back'),
    ('banana', 'banana.n.02', 'elongated crescent-shaped yellow fruit'),
    ('baseball_bat', 'baseball_bat.n.01', 'an implement used in baseball'),
    ('bicycle', 'bicycle.n.01', 'a wheeled vehicle that has two wheels'),
    ('book', 'book.n.01', 'a written work or composition'),
    ('bottle', 'bottle.n.01', 'a glass or plastic vessel'),
    ('bowl', 'bowl.n.03', 'a dish that is round and open at the top'),
    ('cake', 'cake.n.03', 'baked goods made from or based on a mixture of flour'),
    ('chair', 'chair.n.01', 'a seat for one person, with a support for the back'),
    ('clock', 'clock.n.01', 'a timepiece that shows the time of day'),
    ('cow', 'cow.n.01', 'cattle that are reared for their meat'),
    ('cup', 'cup.n.01', 'a small open container usually used for drinking'),
    ('dog', 'dog.n.01', 'a common domesticated dog'),
    ('elephant', 'elephant.n.01', 'a common elephant'),
    ('frisbee', 'frisbee.n.01', 'a light, plastic disk propelled with a flip'),
    ('giraffe', 'giraffe.n.01', 'tall animal having a spotted coat'),
    ('horse', 'horse.n.01', 'a common horse'),
    ('kite', 'kite.n.03', 'plaything consisting of a light frame'),
    ('motorcycle', 'motorcycle.n.01', 'a motor vehicle with two wheels'),
    ('pizza', 'pizza.n.01', 'Italian open pie made of thin bread dough'),
    ('sheep', 'sheep.n.01', 'woolly usually horned ruminant mammal'),
    ('umbrella', 'umbrella.n.01', 'a lightweight handheld collapsible canopy'),
    ('zebra', 'zebra.n.01', 'any of several fleet black-and-white striped mammals'),
    ('bench', 'bench.n.01', 'a long seat for more than one person'),
    ('bird', 'bird.n.01', 'animal characterized by feathers and wings'),
    ('knife', 'knife.n.01', 'tool with a blade and point used as a cutting instrument'),
    ('laptop_computer', 'laptop.n.01', 'a portable computer'),
    ('toothbrush', 'toothbrush.n.01', 'small brush used to clean the teeth'),
]
"""30 categories with names present in both LVIS v0.5 and v1 (name, synset, def).

The tiny LVIS json numbers them 1..30 in this order, as LVIS numbers its own list
contiguously from 1."""

CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                      'traffic light', 'traffic sign', 'vegetation', 'terrain',
                      'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train',
                      'motorcycle', 'bicycle')
"""Cityscapes 19 evaluation classes in trainId order (BDD100K uses the same set)."""

CAMVID_CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                  'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')
"""CamVid 11 classes in the SegNet label order (void = 255 here)."""

COCO_STUFF_USED = {
    'person': 0, 'bicycle': 1, 'car': 2, 'motorcycle': 3, 'bus': 5, 'truck': 7,
    'traffic light': 9, 'stop sign': 11, 'building-other': 84, 'fence': 101,
    'grass': 112, 'pavement': 128, 'road': 137, 'sky-other': 145,
    'structural-other': 152, 'tree': 157,
}
"""The 16 COCO-Stuff-164k trainIds (171-class numbering) that the tiny scenes use."""
