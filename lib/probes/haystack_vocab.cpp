#include "probes/haystack_vocab.hpp"

#include <array>

namespace slkv::probes::vocab {
namespace {

// ---- river and ferry ----------------------------------------------------------------------
constexpr const char* kRiverSubjects[] = {
    "the old ferryman", "a young boatwright",    "the harbour master", "the lock keeper",
    "a retired pilot",  "the miller's daughter", "the river warden",   "a travelling surveyor"};
constexpr Verb kRiverVerbs[] = {
    {"mend", "mended"}, {"inspect", "inspected"}, {"tar", "tarred"},    {"paint", "painted"},
    {"tow", "towed"},   {"repair", "repaired"},   {"clean", "cleaned"}, {"measure", "measured"}};
constexpr const char* kRiverObjects[] = {"the narrow wooden punts",  "the rusted mooring chains",
                                         "the flat-bottomed barges", "the sluice gates",
                                         "the rope ladders",         "the long oars",
                                         "the sagging jetty",        "the little rowing boats"};
constexpr const char* kRiverPlaces[] = {"along the eastern bank",   "below the weir",
                                        "beside the willow trees",  "near the old toll house",
                                        "at the bend of the river", "under the stone bridge"};
constexpr const char* kRiverDetails[] = {"the water runs cold there even in late summer",
                                         "the current turns sluggish where the valley widens",
                                         "herons wait motionless among the reeds",
                                         "the towpath floods after every heavy rain",
                                         "the mist lifts slowly from the water in the mornings",
                                         "the bridge was rebuilt twice after the great floods"};

// ---- gardening ----------------------------------------------------------------------------
constexpr const char* kGardenSubjects[] = {
    "the head gardener",  "an elderly neighbour",     "a patient apprentice",
    "the botanist",       "the allotment secretary",  "a schoolteacher with a green thumb",
    "the orchard keeper", "a visiting horticulturist"};
constexpr Verb kGardenVerbs[] = {{"prune", "pruned"}, {"water", "watered"}, {"plant", "planted"},
                                 {"weed", "weeded"},  {"mulch", "mulched"}, {"divide", "divided"},
                                 {"stake", "staked"}, {"cover", "covered"}};
constexpr const char* kGardenObjects[] = {"the climbing roses",    "the rows of runner beans",
                                          "the young apple trees", "the herb beds",
                                          "the rhubarb crowns",    "the tangled raspberry canes",
                                          "the tomato seedlings",  "the lavender hedges"};
constexpr const char* kGardenPlaces[] = {"behind the greenhouse",        "along the south wall",
                                         "in the walled kitchen garden", "by the compost heaps",
                                         "beyond the gravel path",       "near the potting shed"};
constexpr const char* kGardenDetails[] = {"the soil there is heavy clay that cracks in dry weather",
                                          "slugs do more damage than any frost",
                                          "the bees work the borage from dawn until dusk",
                                          "a late frost can undo a month of careful work",
                                          "the sundial has not told the right time in decades",
                                          "the blackbirds always find the first ripe cherries"};

// ---- baking -------------------------------------------------------------------------------
constexpr const char* kBakerySubjects[] = {"the village baker",       "a pastry cook",
                                           "the night shift foreman", "an apprentice baker",
                                           "the owner of the bakery", "a cousin from the coast",
                                           "the cake decorator",      "a retired confectioner"};
constexpr Verb kBakeryVerbs[] = {{"knead", "kneaded"}, {"shape", "shaped"},  {"glaze", "glazed"},
                                 {"bake", "baked"},    {"proof", "proofed"}, {"slice", "sliced"},
                                 {"wrap", "wrapped"},  {"sample", "sampled"}};
constexpr const char* kBakeryObjects[] = {"the rye loaves",        "the braided sweet breads",
                                          "the seeded rolls",      "the fruit tarts",
                                          "the sourdough batches", "the honey cakes",
                                          "the almond biscuits",   "the morning baguettes"};
constexpr const char* kBakeryPlaces[] = {"in the back kitchen",       "beside the wood-fired oven",
                                         "on the marble counter",     "before the shop opened",
                                         "on the long floured bench", "near the open window"};
constexpr const char* kBakeryDetails[] = {"the dough rises faster on warm and humid days",
                                          "the oven takes nearly two hours to reach full heat",
                                          "the queue often reaches the corner before seven",
                                          "the starter culture is older than anyone working there",
                                          "flour dust settles on every shelf by noon",
                                          "the smell of caraway drifts across the square"};

// ---- astronomy ----------------------------------------------------------------------------
constexpr const char* kSkySubjects[] = {"the amateur astronomer",    "a graduate student",
                                        "the observatory caretaker", "a retired navigator",
                                        "the society's treasurer",   "a curious teenager",
                                        "the visiting lecturer",     "the telescope technician"};
constexpr Verb kSkyVerbs[] = {{"observe", "observed"},        {"sketch", "sketched"},
                              {"photograph", "photographed"}, {"track", "tracked"},
                              {"catalogue", "catalogued"},    {"record", "recorded"},
                              {"study", "studied"},           {"chart", "charted"}};
constexpr const char* kSkyObjects[] = {
    "the faint double stars",    "the rings of Saturn",        "the craters near the terminator",
    "the winter constellations", "the passing comet",          "the variable stars",
    "the moons of Jupiter",      "the distant spiral galaxies"};
constexpr const char* kSkyPlaces[] = {
    "from the hilltop dome",    "through the brass refractor",      "from the roof of the library",
    "far from the town lights", "from a field outside the village", "through a borrowed lens"};
constexpr const char* kSkyDetails[] = {"clear nights are rare in that part of the country",
                                       "the dome creaks loudly whenever it turns",
                                       "dew forms on the eyepiece within an hour",
                                       "the logbooks fill a whole shelf of the reading room",
                                       "the seeing is best just before dawn",
                                       "street lamps have crept closer every year"};

// ---- railway ------------------------------------------------------------------------------
constexpr const char* kRailSubjects[] = {"the stationmaster",     "a signal engineer",
                                         "the volunteer fireman", "the ticket clerk",
                                         "a retired driver",      "the track inspector",
                                         "the museum guide",      "a model railway enthusiast"};
constexpr Verb kRailVerbs[] = {{"oil", "oiled"},
                               {"polish", "polished"},
                               {"restore", "restored"},
                               {"check", "checked"},
                               {"replace", "replaced"},
                               {"adjust", "adjusted"},
                               {"photograph", "photographed"},
                               {"log", "logged"}};
constexpr const char* kRailObjects[] = {"the brass signal levers", "the steam locomotive",
                                        "the worn sleepers",       "the carriage lamps",
                                        "the station clock",       "the points near the junction",
                                        "the goods wagons",        "the water tower valves"};
constexpr const char* kRailPlaces[] = {
    "at the far end of the platform", "inside the signal box", "in the engine shed",
    "beside the level crossing",      "along the branch line", "near the turntable"};
constexpr const char* kRailDetails[] = {"the branch line closed to passengers long ago",
                                        "the last train of the day often runs a little late",
                                        "the waiting room still has its original benches",
                                        "coal smoke used to blacken every window in the street",
                                        "the timetable on the wall is printed in three colours",
                                        "swallows nest each year under the canopy"};

// ---- weaving ------------------------------------------------------------------------------
constexpr const char* kWeaveSubjects[] = {
    "the master weaver",         "a young dyer",
    "the mill's oldest spinner", "a textile historian",
    "the shop assistant",        "a visiting designer",
    "the loom mechanic",         "the quilting circle's leader"};
constexpr Verb kWeaveVerbs[] = {{"dye", "dyed"},    {"spin", "spun"},        {"weave", "wove"},
                                {"wash", "washed"}, {"card", "carded"},      {"fold", "folded"},
                                {"sort", "sorted"}, {"stretch", "stretched"}};
constexpr const char* kWeaveObjects[] = {
    "the undyed wool",     "the linen threads", "the heavy tweed bolts", "the silk scarves",
    "the worn tapestries", "the cotton warps",  "the winter blankets",   "the hand-knotted rugs"};
constexpr const char* kWeavePlaces[] = {"in the upstairs workshop", "beside the dye vats",
                                        "at the old wooden loom",   "near the drying racks",
                                        "in the mill yard",         "by the tall north windows"};
constexpr const char* kWeaveDetails[] = {"madder root gives the deepest reds",
                                         "the looms are loudest in the early afternoon",
                                         "the river once ran blue below the dye works",
                                         "every pattern book is kept under lock and key",
                                         "moths are a constant worry in the storeroom",
                                         "the oldest shuttles are polished smooth by use"};

// ---- mountains ----------------------------------------------------------------------------
constexpr const char* kMountainSubjects[] = {"the mountain guide",    "a seasoned climber",
                                             "the hut warden",        "a botany student",
                                             "the rescue volunteer",  "a shepherd from the valley",
                                             "the trail crew leader", "a landscape painter"};
constexpr Verb kMountainVerbs[] = {
    {"climb", "climbed"},   {"cross", "crossed"}, {"mark", "marked"},   {"clear", "cleared"},
    {"survey", "surveyed"}, {"paint", "painted"}, {"reach", "reached"}, {"map", "mapped"}};
constexpr const char* kMountainObjects[] = {
    "the northern ridge", "the scree slopes", "the high pass",     "the zigzag path",
    "the glacier's edge", "the summit cairn", "the narrow ledges", "the upper meadows"};
constexpr const char* kMountainPlaces[] = {"before the weather turned", "above the tree line",
                                           "below the eastern cliffs",  "beyond the last shelter",
                                           "within sight of the lake",  "under a heavy sky"};
constexpr const char* kMountainDetails[] = {"the wind picks up sharply after midday",
                                            "marmots whistle from the boulder fields",
                                            "the hut serves soup until the last walker arrives",
                                            "snow lingers in the gullies well into June",
                                            "the view from the col reaches three countries",
                                            "the old mule track has nearly vanished"};

// ---- archives -----------------------------------------------------------------------------
constexpr const char* kArchiveSubjects[] = {
    "the county archivist", "a local historian",  "the reading room attendant",
    "a doctoral student",   "the conservator",    "a genealogist",
    "the records clerk",    "a volunteer indexer"};
constexpr Verb kArchiveVerbs[] = {{"transcribe", "transcribed"}, {"index", "indexed"},
                                  {"repair", "repaired"},        {"scan", "scanned"},
                                  {"rebox", "reboxed"},          {"read", "read"},
                                  {"catalogue", "catalogued"},   {"compare", "compared"}};
constexpr const char* kArchiveObjects[] = {"the parish registers",    "the faded estate maps",
                                           "the bundles of letters",  "the tithe records",
                                           "the ledgers of the mill", "the water-stained deeds",
                                           "the school log books",    "the glass plate negatives"};
constexpr const char* kArchivePlaces[] = {
    "in the basement strongroom", "at the long oak table", "under the reading lamps",
    "in the conservation studio", "beside the card index", "in the map room"};
constexpr const char* kArchiveDetails[] = {"the oldest volumes are bound in cracked calfskin",
                                           "pencils are the only writing tools allowed inside",
                                           "the humidity gauge is checked every hour",
                                           "several boxes arrived without any label at all",
                                           "the handwriting grows harder to read before 1700",
                                           "a whole shelf is devoted to a single family"};

// ---- coast and weather --------------------------------------------------------------------
constexpr const char* kCoastSubjects[] = {
    "the coastguard",       "a lighthouse keeper", "the lifeboat coxswain", "a fisherman's widow",
    "the weather observer", "a beachcomber",       "the harbour pilot",     "a marine biologist"};
constexpr Verb kCoastVerbs[] = {
    {"watch", "watched"},   {"haul", "hauled"},   {"secure", "secured"},  {"count", "counted"},
    {"gather", "gathered"}, {"check", "checked"}, {"sketch", "sketched"}, {"note", "noted"}};
constexpr const char* kCoastObjects[] = {
    "the lobster pots", "the storm shutters", "the incoming swell", "the drifting kelp",
    "the signal flags", "the tide tables",    "the nesting gulls",  "the lifeboat ropes"};
constexpr const char* kCoastPlaces[] = {"on the shingle beach",     "from the harbour wall",
                                        "beneath the chalk cliffs", "at the mouth of the estuary",
                                        "along the sea defences",   "beside the slipway"};
constexpr const char* kCoastDetails[] = {
    "the fog horn sounds every thirty seconds in poor visibility",
    "spring tides cover the causeway twice a day",
    "the barometer fell steadily all afternoon",
    "the lighthouse lamp turns with a soft mechanical hum",
    "seals haul out on the sandbar at low water",
    "winter gales have moved the dunes several yards inland"};

// ---- market -------------------------------------------------------------------------------
constexpr const char* kMarketSubjects[] = {
    "the cheese seller", "a flower trader",         "the market inspector", "a spice merchant",
    "the fishmonger",    "a farmer from the hills", "the stall holder",     "a street musician"};
constexpr Verb kMarketVerbs[] = {
    {"arrange", "arranged"}, {"weigh", "weighed"},     {"unload", "unloaded"}, {"price", "priced"},
    {"stack", "stacked"},    {"display", "displayed"}, {"carry", "carried"},   {"pack", "packed"}};
constexpr const char* kMarketObjects[] = {"the crates of pears",      "the wheels of hard cheese",
                                          "the bunches of tulips",    "the sacks of lentils",
                                          "the jars of dark honey",   "the baskets of mushrooms",
                                          "the bolts of cheap cloth", "the trays of smoked fish"};
constexpr const char* kMarketPlaces[] = {
    "under the striped awning",    "near the fountain",          "in the covered hall",
    "at the corner of the square", "beside the town hall steps", "along the cobbled lane"};
constexpr const char* kMarketDetails[] = {"the market has met on the same square for six centuries",
                                          "prices drop sharply in the last hour of trading",
                                          "the bell rings once to open the stalls",
                                          "the pigeons know exactly when the bakers pack up",
                                          "an old weighing scale stands by the entrance",
                                          "traders argue cheerfully about the weather"};

// ---- pottery ------------------------------------------------------------------------------
constexpr const char* kPotterySubjects[] = {
    "the potter",         "a ceramics student",  "the kiln master",   "a glaze chemist",
    "the workshop owner", "a visiting sculptor", "the clay supplier", "an evening class tutor"};
constexpr Verb kPotteryVerbs[] = {{"throw", "threw"},  {"trim", "trimmed"},      {"fire", "fired"},
                                  {"glaze", "glazed"}, {"burnish", "burnished"}, {"mix", "mixed"},
                                  {"wedge", "wedged"}, {"test", "tested"}};
constexpr const char* kPotteryObjects[] = {
    "the stoneware jugs",  "the porcelain bowls", "the large storage jars", "the tea bowls",
    "the terracotta pots", "the test tiles",      "the celadon vases",      "the speckled mugs"};
constexpr const char* kPotteryPlaces[] = {"at the kick wheel",   "in the cool damp room",
                                          "beside the gas kiln", "on the drying shelves",
                                          "in the glaze shed",   "by the studio door"};
constexpr const char* kPotteryDetails[] = {
    "a single air bubble can crack a pot in the kiln",
    "the wood kiln is fired only twice a year",
    "ash from the firebox leaves green runs on the shoulders",
    "the clay comes from a pit a few miles upstream",
    "the studio smells of wet earth and woodsmoke",
    "the best pieces are often the least planned"};

template <size_t A, size_t B, size_t C, size_t D, size_t E>
constexpr Topic topic(const char* const (&s)[A], const Verb (&v)[B], const char* const (&o)[C],
                      const char* const (&p)[D], const char* const (&d)[E]) {
  return Topic{s, v, o, p, d};
}

const std::array kTopics = {
    topic(kRiverSubjects, kRiverVerbs, kRiverObjects, kRiverPlaces, kRiverDetails),
    topic(kGardenSubjects, kGardenVerbs, kGardenObjects, kGardenPlaces, kGardenDetails),
    topic(kBakerySubjects, kBakeryVerbs, kBakeryObjects, kBakeryPlaces, kBakeryDetails),
    topic(kSkySubjects, kSkyVerbs, kSkyObjects, kSkyPlaces, kSkyDetails),
    topic(kRailSubjects, kRailVerbs, kRailObjects, kRailPlaces, kRailDetails),
    topic(kWeaveSubjects, kWeaveVerbs, kWeaveObjects, kWeavePlaces, kWeaveDetails),
    topic(kMountainSubjects, kMountainVerbs, kMountainObjects, kMountainPlaces, kMountainDetails),
    topic(kArchiveSubjects, kArchiveVerbs, kArchiveObjects, kArchivePlaces, kArchiveDetails),
    topic(kCoastSubjects, kCoastVerbs, kCoastObjects, kCoastPlaces, kCoastDetails),
    topic(kMarketSubjects, kMarketVerbs, kMarketObjects, kMarketPlaces, kMarketDetails),
    topic(kPotterySubjects, kPotteryVerbs, kPotteryObjects, kPotteryPlaces, kPotteryDetails),
};

constexpr const char* kTimes[] = {"in early spring",
                                  "by late afternoon",
                                  "every other week",
                                  "long before the war",
                                  "on the first warm day of the year",
                                  "just after sunrise",
                                  "during the long wet autumn",
                                  "in the weeks before the fair",
                                  "on most winter evenings",
                                  "shortly after the harvest",
                                  "once the holidays were over",
                                  "late one winter night",
                                  "in the years after the mine closed",
                                  "on a grey morning",
                                  "at the height of summer"};
constexpr const char* kManners[] = {
    "with great patience",  "without much fuss",         "more carefully than usual",
    "in complete silence",  "with borrowed tools",       "as quickly as the light allowed",
    "with obvious pride",   "somewhat reluctantly",      "by hand, as always",
    "with a practised eye", "while humming an old tune", "in no particular hurry"};
constexpr const char* kOpeners[] = {"most visitors agree that",
                                    "older residents insist that",
                                    "it is often said that",
                                    "the guidebooks claim that",
                                    "everyone in the district knows that",
                                    "a local saying holds that",
                                    "few people realise that",
                                    "the parish newsletter once noted that"};
constexpr const char* kReasons[] = {
    "the roads were closed",        "the season had been short", "nobody else had the time",
    "the old method had failed",    "a storm was expected",      "the committee had insisted",
    "the light was unusually good", "money had run short",       "the work could not wait"};
constexpr const char* kTails[] = {
    "as the custom has long been",    "much to everyone's surprise",
    "though few noticed at the time", "as their grandparents had done",
    "which drew a small crowd",       "despite the cold",
    "for reasons nobody recorded",    "as the almanac advised"};
constexpr const char* kCounts[] = {"three",  "five",   "seven",  "nine", "eleven",
                                   "twelve", "twenty", "thirty", "forty"};

}  // namespace

std::span<const Topic> topics() { return kTopics; }
std::span<const char* const> times() { return kTimes; }
std::span<const char* const> manners() { return kManners; }
std::span<const char* const> openers() { return kOpeners; }
std::span<const char* const> reasons() { return kReasons; }
std::span<const char* const> tails() { return kTails; }
std::span<const char* const> counts() { return kCounts; }

}  // namespace slkv::probes::vocab
