package emulator

// Word lists for generated tenants. They are plain data; each generated user
// points into them rather than holding its own copy.

var givenNames = []string{
	"Aaliyah", "Abdul", "Adaeze", "Adam", "Adele", "Ahmed", "Aiko", "Alan", "Alejandro", "Alex",
	"Alice", "Amara", "Amelia", "Ana", "Andrew", "Anika", "Anna", "Arjun", "Ava", "Ben",
	"Bianca", "Bongani", "Carla", "Carlos", "Charlotte", "Chen", "Chloe", "Chris", "Claire", "Daniel",
	"David", "Deepa", "Diego", "Ella", "Emily", "Emma", "Ethan", "Fatima", "Felix", "Fiona",
	"Freya", "Gabriel", "George", "Grace", "Hannah", "Harry", "Hiroshi", "Ines", "Isaac", "Isla",
	"Jack", "James", "Jana", "Jia", "Joao", "Jonas", "Julia", "Kai", "Karen", "Kemal",
	"Kofi", "Lars", "Laura", "Leah", "Leo", "Liam", "Lily", "Lucas", "Lucy", "Mai",
	"Marco", "Maria", "Mark", "Mateo", "Mia", "Mohammed", "Nadia", "Naledi", "Nia", "Noah",
	"Olivia", "Omar", "Oscar", "Priya", "Rafael", "Ravi", "Rosa", "Ruby", "Sam", "Sara",
	"Sipho", "Sofia", "Sven", "Thabo", "Thomas", "Uma", "Victor", "Wei", "Yusuf", "Zoe",
}

var surnames = []string{
	"Abbott", "Adeyemi", "Ali", "Andersen", "Bailey", "Baker", "Banda", "Bauer", "Bell", "Brown",
	"Campbell", "Carter", "Chen", "Clarke", "Cohen", "Costa", "Cruz", "Davies", "Dlamini", "Dubois",
	"Edwards", "Evans", "Fernandes", "Fischer", "Fraser", "Garcia", "Gomez", "Green", "Gupta", "Hall",
	"Hansen", "Harris", "Hughes", "Ito", "Jackson", "Jansen", "Johnson", "Jones", "Kaur", "Khan",
	"Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lewis", "Li", "Lopez", "Martin", "Mensah",
	"Meyer", "Miller", "Mitchell", "Moore", "Morris", "Murphy", "Naidoo", "Nguyen", "Nkosi", "Novak",
	"O'Brien", "Okafor", "Olsen", "Park", "Patel", "Perez", "Petrov", "Phillips", "Price", "Reddy",
	"Reyes", "Roberts", "Robinson", "Rossi", "Santos", "Sato", "Schmidt", "Scott", "Shah", "Silva",
	"Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Wang",
	"Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Yamamoto", "Young", "Zhang", "Zulu",
}

var departments = []string{
	"Sales", "Marketing", "Finance", "Human Resources", "Engineering", "Operations",
	"Customer Support", "Legal", "IT", "Research", "Procurement", "Facilities",
}

var jobTitles = []string{
	"Account Manager", "Analyst", "Architect", "Assistant", "Consultant", "Coordinator",
	"Designer", "Developer", "Director", "Engineer", "Administrator", "Manager",
	"Officer", "Specialist", "Team Lead", "Technician", "Vice President", "Intern",
}

// offices pair an office with the phone prefix, country and usage location
// of its city, so generated users look consistent.
var offices = []struct{ name, city, country, usage, phone, language string }{
	{"London HQ", "London", "United Kingdom", "GB", "+44 20 7946 ", "en-GB"},
	{"Manchester", "Manchester", "United Kingdom", "GB", "+44 161 496 ", "en-GB"},
	{"New York", "New York", "United States", "US", "+1 212 555 ", "en-US"},
	{"Toronto", "Toronto", "Canada", "CA", "+1 416 555 ", "en-CA"},
	{"Johannesburg", "Johannesburg", "South Africa", "ZA", "+27 11 555 ", "en-ZA"},
	{"Sydney", "Sydney", "Australia", "AU", "+61 2 5550 ", "en-AU"},
	{"Berlin", "Berlin", "Germany", "DE", "+49 30 5557 ", "de-DE"},
	{"Remote", "", "", "GB", "+44 20 7946 ", "en-GB"},
}

var guestDomains = []string{"fabrikam.com", "adatum.com", "northwindtraders.com", "tailspintoys.com", "outlook.com"}

var groupTopics = []string{
	"Project", "Team", "Committee", "Working Group", "Community", "Programme", "Squad", "Guild",
}

var groupSubjects = []string{
	"Apollo", "Atlas", "Aurora", "Beacon", "Cobalt", "Comet", "Delta", "Echo", "Falcon", "Galaxy",
	"Harbour", "Horizon", "Jupiter", "Lumen", "Meridian", "Nimbus", "Orion", "Pioneer", "Quartz", "Summit",
}
